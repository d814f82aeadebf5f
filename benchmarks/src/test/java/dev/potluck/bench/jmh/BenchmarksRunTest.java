package dev.potluck.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark through JMH's generated harness, in this JVM, for one untimed invocation after
 * its setup, with every parameter value: a benchmark that no longer compiles against the code it
 * measures, throws, or whose scenario stopped being the decision its name says (the setups check the
 * scheduler's answers, the stream checks every body's length) fails the build. No timing is asserted.
 */
class BenchmarksRunTest {

  private static final List<Class<?>> BENCHMARKS = List.of(CodecBench.class, SchedulerBench.class, StoreStreamBench.class);

  @Test
  void everyBenchmark_runsSetupAndOneInvocation() throws RunnerException {
    Options options = new OptionsBuilder()
        .include("^dev\\.potluck\\.bench\\.jmh\\.")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementBatchSize(1)
        .mode(Mode.SingleShotTime)
        .param("objectMiB", "1") // the streaming path's logic, not its speed
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT)
        .build();

    Collection<RunResult> results = new Runner(options).run();

    Map<String, Integer> ran = new TreeMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark().replaceFirst("^dev\\.potluck\\.bench\\.jmh\\.", "");
      ran.merge(name, 1, Integer::sum);
      assertEquals(1, r.getPrimaryResult().getSampleCount(), name + " invocations");
    }
    assertEquals(expectedRuns(), ran);
  }

  /** Each benchmark method once per combination of its class's parameter values (objectMiB fixed). */
  private static Map<String, Integer> expectedRuns() {
    Map<String, Integer> expected = new TreeMap<>();
    for (Class<?> type : BENCHMARKS) {
      int combinations = 1;
      for (Field f : type.getFields()) {
        Param param = f.getAnnotation(Param.class);
        if (param != null && !f.getName().equals("objectMiB")) {
          combinations *= param.value().length;
        }
      }
      List<String> methods = new ArrayList<>();
      for (Method m : type.getMethods()) {
        if (m.isAnnotationPresent(Benchmark.class)) {
          methods.add(m.getName());
        }
      }
      for (String m : methods) {
        expected.put(type.getSimpleName() + "." + m, combinations);
      }
    }
    return expected;
  }
}
