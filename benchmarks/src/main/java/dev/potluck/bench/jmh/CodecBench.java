package dev.potluck.bench.jmh;

import dev.potluck.protocol.Message;
import dev.potluck.protocol.codec.MessageCodec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cluster message codec: one {@link MessageCodec#encode} or {@link MessageCodec#decode} of a real
 * message per operation. Typical messages are the ones every object and every second produce (Want with
 * a Debian pool URL, Grant, Progress, Have, Load); the large ones are the biggest frames the protocol
 * allows (16 sources or holders, a 4096-character URL, a 512-character abort reason).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(1)
public class CodecBench {

  @Param({"want", "grant", "progress", "have", "load", "streamFrom16", "fetchFrom16", "wantLongUrl", "abortLong"})
  public String message;

  private Message decoded;
  private byte[] frame;

  @Setup
  public void setUp() {
    decoded = Messages.sample(message);
    frame = MessageCodec.encode(decoded);
    // A round trip that does not give the same message back would make both figures meaningless.
    if (!MessageCodec.decode(frame).equals(decoded)) {
      throw new IllegalStateException("codec round trip changed " + message);
    }
  }

  @Benchmark
  public byte[] encode() {
    return MessageCodec.encode(decoded);
  }

  @Benchmark
  public Message decode() {
    return MessageCodec.decode(frame);
  }
}
