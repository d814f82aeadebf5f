package dev.potluck.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.potluck.protocol.Message.Abort;
import dev.potluck.protocol.Message.Done;
import dev.potluck.protocol.Message.Drop;
import dev.potluck.protocol.Message.FetchFrom;
import dev.potluck.protocol.Message.Grant;
import dev.potluck.protocol.Message.Have;
import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.Message.Progress;
import dev.potluck.protocol.Message.StreamFrom;
import dev.potluck.protocol.Message.Want;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MessageTest {

  private static final ObjectKey KEY = new ObjectKey("ab".repeat(32));
  private static final Sha256 DIGEST = Sha256.of("abc");
  private static final NodeId A = new NodeId("a".repeat(32));
  private static final NodeId B = new NodeId("b".repeat(32));

  static Stream<Arguments> invalid() {
    return Stream.of(
        refused("Want.key is missing", () -> new Want(1, null, "http://h/")),
        refused("Want.url is missing", () -> new Want(1, KEY, null)),
        refused("Want.url is empty", () -> new Want(1, KEY, "")),
        refused("Want.url is 4097 characters long; the limit is 4096",
            () -> new Want(1, KEY, "h".repeat(CanonicalUrl.MAX_LENGTH + 1))),
        refused("Want.url has an unpaired surrogate at index 9 and cannot be written as UTF-8",
            () -> new Want(1, KEY, "http://h/\ud83dx")),
        refused("Want.url has an unpaired surrogate at index 9 and cannot be written as UTF-8",
            () -> new Want(1, KEY, "http://h/\ude00")),
        refused("Grant.resumeFrom must be >= 0, was -1", () -> new Grant(1, KEY, -1)),
        refused("StreamFrom.sources is missing", () -> new StreamFrom(1, KEY, null)),
        refused("StreamFrom.sources is empty; at least one node is needed", () -> new StreamFrom(1, KEY, List.of())),
        refused("StreamFrom.sources names 17 nodes; the limit is 16", () -> new StreamFrom(1, KEY, distinct(17))),
        refused("StreamFrom.sources[1] is missing", () -> new StreamFrom(1, KEY, Arrays.asList(A, null))),
        refused("StreamFrom.sources names " + A + " twice", () -> new StreamFrom(1, KEY, List.of(A, B, A))),
        refused("FetchFrom.holders names 17 nodes; the limit is 16",
            () -> new FetchFrom(1, KEY, distinct(17), 1, DIGEST)),
        refused("FetchFrom.size must be >= 0, was -1", () -> new FetchFrom(1, KEY, List.of(A), -1, DIGEST)),
        refused("FetchFrom.sha256 is missing", () -> new FetchFrom(1, KEY, List.of(A), 1, null)),
        refused("Have.size must be >= 0, was -1", () -> new Have(KEY, -1, DIGEST)),
        refused("Have.sha256 is missing", () -> new Have(KEY, 1, null)),
        refused("Drop.key is missing", () -> new Drop(null)),
        refused("Progress.bytes must be >= 0, was " + Long.MIN_VALUE, () -> new Progress(KEY, Long.MIN_VALUE)),
        refused("Done.size must be >= 0, was -1", () -> new Done(KEY, -1, DIGEST)),
        refused("Abort.reason is missing", () -> new Abort(KEY, null)),
        refused("Abort.reason is 513 characters long; the limit is 512", () -> new Abort(KEY, "r".repeat(513))),
        refused("Load.activeUploads must be >= 0, was -1", () -> new Load(-1, 0, 0, 0, 80, "")),
        refused("Load.uploadBytesPerSecond must be >= 0, was -1", () -> new Load(0, -1, 0, 0, 80, "")),
        refused("Load.activeDownloads must be >= 0, was -1", () -> new Load(0, 0, -1, 0, 80, "")),
        refused("Load.storedBytes must be >= 0, was -1", () -> new Load(0, 0, 0, -1, 80, "")),
        refused("Load.peerPort must be 1 to 65535, was 0", () -> new Load(0, 0, 0, 0, 0, "")),
        refused("Load.peerPort must be 1 to 65535, was 65536", () -> new Load(0, 0, 0, 0, 65_536, "")),
        refused("Load.version is missing", () -> new Load(0, 0, 0, 0, 80, null)),
        refused("Load.version is 65 characters long; the limit is 64", () -> new Load(0, 0, 0, 0, 80, "v".repeat(65))));
  }

  private static Arguments refused(String message, Executable construction) {
    return Arguments.of(message, construction);
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void constructor_refusesWithMessageNamingFieldAndValue(String message, Executable construction) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, construction).getMessage());
  }

  @Test
  void constructor_acceptsBoundaryValues() {
    new Want(Long.MIN_VALUE, KEY, "h".repeat(CanonicalUrl.MAX_LENGTH));
    new Want(1, KEY, "http://h/\ud83d\ude00"); // a surrogate pair is one code point, fine
    new StreamFrom(1, KEY, distinct(StreamFrom.MAX_SOURCES));
    new FetchFrom(1, KEY, distinct(FetchFrom.MAX_HOLDERS), 0, DIGEST);
    new Abort(KEY, "");
    new Abort(KEY, "r".repeat(Abort.MAX_REASON_LENGTH));
    new Load(0, 0, 0, 0, 1, "");
    new Load(Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, 65_535, "v".repeat(64));
  }

  @Test
  void lists_areCopiedAndUnmodifiable() {
    List<NodeId> sources = new ArrayList<>(List.of(A));
    StreamFrom stream = new StreamFrom(1, KEY, sources);
    FetchFrom fetch = new FetchFrom(1, KEY, sources, 0, DIGEST);
    sources.add(B);

    assertEquals(List.of(A), stream.sources());
    assertEquals(List.of(A), fetch.holders());
    assertThrows(UnsupportedOperationException.class, () -> stream.sources().add(B));
    assertThrows(UnsupportedOperationException.class, () -> fetch.holders().clear());
  }

  @Test
  void lists_keepTheirRankOrder() {
    assertEquals(List.of(B, A), new StreamFrom(1, KEY, List.of(B, A)).sources());
  }

  private static List<NodeId> distinct(int count) {
    List<NodeId> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      nodes.add(new NodeId(String.format("%032x", i)));
    }
    return nodes;
  }
}
