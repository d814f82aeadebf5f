package dev.potluck.bench.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one simulated run measured. Counts of messages and scheduler calls cover the workload only (from
 * its start, after the cluster formed, to the last client done); the cluster's forming is left out.
 *
 * @param finished whether every surviving client had all its objects before the time bound
 * @param clients surviving hosts whose client asked for objects
 * @param missing objects those clients asked for and did not get
 * @param clientErrors objects whose request ended in an error
 * @param killed hosts that died during the run
 * @param uniqueBytes one copy of every object anyone asked for
 * @param upstreamBytes bytes that crossed the WAN
 * @param makespanSeconds from the workload's start until the last surviving client was done
 * @param idealSeconds unique bytes at the WAN's rate
 * @param uploadMaxBytes the most any host uploaded to peers
 * @param uploadMeanBytes the mean over all hosts
 * @param messagesSent messages the schedulers sent, a multicast counted once
 * @param deliveries messages received, a multicast counted once per receiver
 * @param loadDeliveries those of them that were load gossip ({@code Load})
 * @param requests objects the clients asked for, each client's each object once (objects x requesters
 *     when every client asks for every object)
 * @param sentByType messages sent, by type
 * @param schedulerCalls calls into the schedulers (each delivery of a multicast is one call)
 * @param cpuMicrosPerCall thread CPU time spent inside a call, the mean over a random sample of calls
 * @param callsByKind calls by event (and message type), each with its own CPU time per call
 * @param decisions Want requests the arbiters decided (over the whole run)
 * @param objectsFetchedTwice objects whose upstream fetch was started more than once (a takeover counts)
 * @param events simulator events run
 * @param recomputations bandwidth-share recomputations
 * @param wallSeconds the run's wall-clock time
 * @param cpuSeconds the run's thread CPU time, simulator and schedulers together
 * @param simulatedSeconds simulated time from the workload's start until the run stopped
 */
record SimResult(
    SimSettings settings,
    boolean finished,
    int clients,
    int missing,
    int clientErrors,
    int killed,
    long uniqueBytes,
    double upstreamBytes,
    double makespanSeconds,
    double idealSeconds,
    double uploadMaxBytes,
    double uploadMeanBytes,
    long messagesSent,
    long deliveries,
    long loadDeliveries,
    long requests,
    Map<String, Long> sentByType,
    long schedulerCalls,
    double cpuMicrosPerCall,
    Map<String, Calls> callsByKind,
    long decisions,
    int objectsFetchedTwice,
    long events,
    long recomputations,
    double wallSeconds,
    double cpuSeconds,
    double simulatedSeconds) {

  /** Calls of one kind: how many, how many had their CPU time measured, and the mean of those. */
  record Calls(long calls, long sampled, double cpuMicrosPerCall) {}

  /** The scheduler's CPU time over the run, estimated from the sampled calls. */
  double schedulerCpuSeconds() {
    return cpuMicrosPerCall * schedulerCalls / 1e6;
  }

  /** CPU time of one call of {@code kind} (say "onMessage Want"); NaN if none was sampled. */
  double cpuMicrosPerCall(String kind) {
    Calls c = callsByKind.get(kind);
    return c == null ? Double.NaN : c.cpuMicrosPerCall();
  }

  int objects() {
    return settings.sizes().size();
  }

  double upstreamRatio() {
    return upstreamBytes / uniqueBytes;
  }

  double makespanRatio() {
    return makespanSeconds / idealSeconds;
  }

  /** Max over mean upload per host; NaN when nobody uploaded. */
  double uploadSpread() {
    return uploadMeanBytes > 0 ? uploadMaxBytes / uploadMeanBytes : Double.NaN;
  }

  double messagesPerObject() {
    return (double) messagesSent / objects();
  }

  double deliveriesPerObject() {
    return (double) deliveries / objects();
  }

  /**
   * Control messages received per object per requester: what one client's asking for one object costs
   * the cluster, whatever its size. Data is not counted (the simulator sends no data messages).
   */
  double deliveriesPerRequest() {
    return requests == 0 ? Double.NaN : (double) deliveries / requests;
  }

  /** As {@link #deliveriesPerRequest}, without the load gossip. */
  double deliveriesPerRequestWithoutLoad() {
    return requests == 0 ? Double.NaN : (double) (deliveries - loadDeliveries) / requests;
  }

  /** Messages per object without the load gossip, which is per node per second rather than per object. */
  double messagesPerObjectWithoutLoad() {
    return (double) (messagesSent - sentByType.getOrDefault("Load", 0L)) / objects();
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nodes", settings.nodes());
    m.put("workload", settings.workload().label);
    m.put("finished", finished);
    m.put("clients", clients);
    m.put("missingObjects", missing);
    m.put("clientErrors", clientErrors);
    m.put("killedHosts", killed);
    m.put("objects", objects());
    m.put("uniqueBytes", uniqueBytes);
    m.put("upstreamBytes", upstreamBytes);
    m.put("upstreamOverUnique", upstreamRatio());
    m.put("objectsFetchedUpstreamTwice", objectsFetchedTwice);
    m.put("makespanSeconds", makespanSeconds);
    m.put("idealSeconds", idealSeconds);
    m.put("makespanOverIdeal", makespanRatio());
    m.put("uploadMaxBytes", uploadMaxBytes);
    m.put("uploadMeanBytes", uploadMeanBytes);
    m.put("uploadMaxOverMean", uploadSpread());
    m.put("messagesSent", messagesSent);
    m.put("deliveries", deliveries);
    m.put("messagesSentByType", sentByType);
    m.put("messagesPerObject", messagesPerObject());
    m.put("messagesPerObjectWithoutLoad", messagesPerObjectWithoutLoad());
    m.put("deliveriesPerObject", deliveriesPerObject());
    m.put("loadDeliveries", loadDeliveries);
    m.put("requests", requests);
    m.put("deliveriesPerObjectPerRequester", deliveriesPerRequest());
    m.put("deliveriesPerObjectPerRequesterWithoutLoad", deliveriesPerRequestWithoutLoad());
    m.put("schedulerCalls", schedulerCalls);
    m.put("schedulerCpuMicrosPerCall", cpuMicrosPerCall);
    m.put("schedulerCpuSecondsEstimated", schedulerCpuSeconds());
    m.put("cpuSampledOneCallIn", Simulation.CPU_SAMPLE_ONE_IN);
    Map<String, Object> kinds = new LinkedHashMap<>();
    callsByKind.forEach((kind, c) -> {
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("calls", c.calls());
      k.put("sampled", c.sampled());
      k.put("cpuMicrosPerCall", c.cpuMicrosPerCall());
      kinds.put(kind, k);
    });
    m.put("schedulerCallsByKind", kinds);
    m.put("arbiterDecisions", decisions);
    m.put("simulatedSeconds", simulatedSeconds);
    m.put("events", events);
    m.put("bandwidthRecomputations", recomputations);
    m.put("wallSeconds", wallSeconds);
    m.put("cpuSeconds", cpuSeconds);
    return m;
  }
}
