package dev.potluck.node.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileStoreTest {

  private static final long MIB = 1L << 20;
  private static final long STORED_AT = 1_700_000_000_000L;
  private static final String DIGEST = "0000000000000000000000000000000000000000000000000000000000000000";

  @TempDir Path root;

  // --- commit

  @Test
  void quotaAboveWhatTheDiskHolds_isLoweredTo90PercentOfFreePlusCached() {
    long gib = 1L << 30;
    assertEquals(10 * gib, FileStore.effectiveQuota(10 * gib, 100 * gib, 0), "room enough: the quota asked for");
    assertEquals((long) (5 * gib * 0.9), FileStore.effectiveQuota(10 * gib, 4 * gib, gib),
        "4 GiB free and 1 GiB cached: 90 % of 5 GiB");
    assertEquals(0, FileStore.effectiveQuota(10 * gib, 0, 0), "a full disk keeps nothing");
  }

  @Test
  void openedWithAQuotaLargerThanTheDisk_reportsTheLoweredQuota() throws Exception {
    FileStore store = FileStore.open(root, Long.MAX_VALUE / 2);
    long usable = Files.getFileStore(root).getUsableSpace();
    assertTrue(store.quota() <= usable, "quota " + store.quota() + " within the disk's " + usable + " free bytes");
    assertTrue(store.quota() > 0, "a disk with room keeps something");
  }

  @Test
  void commit_storesBodyAndSidecar() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    byte[] body = bytes(1000, 7);

    StoredObject stored = put(store, "a", body);

    assertEquals(Optional.of(stored), store.get(key("a")));
    assertEquals(meta("a", body), stored.meta());
    assertArrayEquals(body, Files.readAllBytes(stored.data()));
    Path sidecar = sidecarOf(stored);
    assertEquals(meta("a", body), ObjectMeta.fromJson(Files.readString(sidecar)));
    assertEquals(new StoreStats(1, 1000, 0, 10 * MIB, 0), store.stats());
    assertEquals(List.of(), filesIn(root.resolve("partial")));
  }

  @Test
  void remove_dropsBodyAndSidecar_andSurvivesARestart() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject stored = put(store, "a", bytes(1000, 7));
    put(store, "b", bytes(500, 8));

    assertEquals(Optional.of(stored), store.remove(key("a")));

    assertEquals(Optional.empty(), store.get(key("a")));
    assertFalse(Files.exists(stored.data()));
    assertFalse(Files.exists(sidecarOf(stored)));
    assertEquals(500, store.stats().usedBytes());
    assertEquals(Optional.empty(), store.remove(key("a")), "a second purge finds nothing");
    FileStore reopened = FileStore.open(root, 10 * MIB);
    assertEquals(Optional.empty(), reopened.get(key("a")));
    assertTrue(reopened.get(key("b")).isPresent());
  }

  @Test
  void commit_lengthDisagreesWithMeta_refusedAndNothingStored() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    byte[] body = bytes(1000, 7);
    PartialFile partial = store.createPartial(key("a"), 1001);
    Files.write(partial.path(), body);
    ObjectMeta lying = new ObjectMeta("http://h/a", 1001, Sha256.of(body), null, null, null, STORED_AT, STORED_AT);

    IOException e = assertThrows(IOException.class, () -> store.commit(partial, lying));

    assertTrue(e.getMessage().contains("1000 bytes on disk, 1001 expected"), e.getMessage());
    assertEquals(Optional.empty(), store.get(key("a")));
    assertFalse(Files.exists(partial.path()));
    assertEquals(new StoreStats(0, 0, 0, 10 * MIB, 0), store.stats());
    assertEquals(List.of(), filesIn(root));
  }

  @Test
  void commit_lengthDisagreesWithMeta_olderCopyKept() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject old = put(store, "a", bytes(1000, 1));
    PartialFile partial = store.createPartial(key("a"), 0);
    Files.write(partial.path(), bytes(10, 2));

    assertThrows(IOException.class, () -> store.commit(partial, meta("a", bytes(11, 2))));

    assertEquals(Optional.of(old), store.get(key("a")));
    assertArrayEquals(bytes(1000, 1), Files.readAllBytes(old.data()));
    assertEquals(1000, store.stats().usedBytes());
  }

  @Test
  void commitBytes_storesTheBytesAsABodyWouldBe() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    byte[] body = bytes(1000, 5);

    StoredObject stored = store.commitBytes(key("a"), body, meta("a", body)).orElseThrow();

    assertEquals(Optional.of(stored), store.get(key("a")));
    assertArrayEquals(body, Files.readAllBytes(stored.data()));
    assertEquals(new StoreStats(1, 1000, 0, 10 * MIB, 0), store.stats());
    assertEquals(List.of(), filesIn(root.resolve("partial")));
  }

  @Test
  void commitBytes_largerThanQuota_notStoredAndNothingLeft() throws IOException {
    FileStore store = FileStore.open(root, MIB);
    byte[] body = bytes((int) MIB + 1, 3);

    assertEquals(Optional.empty(), store.commitBytes(key("big"), body, meta("big", body)));

    assertEquals(new StoreStats(0, 0, 0, MIB, 0), store.stats());
    assertEquals(List.of(), filesIn(root));
  }

  @Test
  void commit_largerThanQuota_notStoredAndPartialDeleted() throws IOException {
    FileStore store = FileStore.open(root, MIB);
    byte[] body = bytes((int) MIB + 1, 3);
    PartialFile partial = store.createPartial(key("big"), body.length);
    Files.write(partial.path(), body);

    assertEquals(Optional.empty(), store.commit(partial, meta("big", body)));

    assertEquals(Optional.empty(), store.get(key("big")));
    assertFalse(Files.exists(partial.path()));
    assertEquals(new StoreStats(0, 0, 0, MIB, 0), store.stats());
    assertEquals(List.of(), filesIn(root));
  }

  @Test
  void commit_sameKeyReplacesBodyAndMeta() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    put(store, "b", bytes(300, 9));
    put(store, "a", bytes(1000, 1));
    byte[] newer = bytes(400, 2);

    StoredObject replaced = put(store, "a", newer);

    assertEquals(Optional.of(replaced), store.get(key("a")));
    assertEquals(Sha256.of(newer), store.get(key("a")).orElseThrow().meta().sha256());
    assertArrayEquals(newer, Files.readAllBytes(replaced.data()));
    assertEquals(new StoreStats(2, 700, 0, 10 * MIB, 0), store.stats());

    FileStore reopened = FileStore.open(root, 10 * MIB);
    assertEquals(Optional.of(replaced), reopened.get(key("a")));
    assertEquals(700, reopened.stats().usedBytes());
  }

  // --- recovery on open

  @Test
  void open_recoversCommittedObjects() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject a = put(store, "a", bytes(1000, 1));
    StoredObject b = put(store, "b", bytes(2000, 2));

    FileStore reopened = FileStore.open(root, 10 * MIB);

    assertEquals(Optional.of(a), reopened.get(key("a")));
    assertEquals(Optional.of(b), reopened.get(key("b")));
    assertEquals(new StoreStats(2, 3000, 0, 10 * MIB, 0), reopened.stats());
  }

  @Test
  void open_deletesLeftoverPartials() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    PartialFile partial = store.createPartial(key("a"), 1000);
    Files.write(partial.path(), bytes(1000, 1));
    Files.writeString(root.resolve("partial").resolve("stray"), "x");

    FileStore reopened = FileStore.open(root, 10 * MIB);

    assertEquals(List.of(), filesIn(root.resolve("partial")));
    assertEquals(Optional.empty(), reopened.get(key("a")));
    assertEquals(new StoreStats(0, 0, 0, 10 * MIB, 0), reopened.stats());
  }

  @Test
  void open_bodyWithoutSidecar_deleted() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject a = put(store, "a", bytes(1000, 1));
    StoredObject b = put(store, "b", bytes(1000, 2));
    Files.delete(sidecarOf(a)); // a crash between the body's rename and the sidecar's

    FileStore reopened = FileStore.open(root, 10 * MIB);

    assertEquals(Optional.empty(), reopened.get(key("a")));
    assertFalse(Files.exists(a.data()));
    assertEquals(List.of(b), reopened.list());
    assertEquals(1000, reopened.stats().usedBytes());
  }

  @Test
  void open_truncatedBody_bodyAndSidecarRemoved() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject a = put(store, "a", bytes(1000, 1));
    StoredObject b = put(store, "b", bytes(1000, 2));
    try (FileChannel channel = FileChannel.open(a.data(), StandardOpenOption.WRITE)) {
      channel.truncate(500);
    }

    FileStore reopened = FileStore.open(root, 10 * MIB);

    assertEquals(Optional.empty(), reopened.get(key("a")));
    assertFalse(Files.exists(a.data()));
    assertFalse(Files.exists(sidecarOf(a)));
    assertEquals(List.of(b), reopened.list());
  }

  @Test
  void open_sidecarWithoutBody_removed() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject a = put(store, "a", bytes(1000, 1));
    Files.delete(a.data());

    FileStore reopened = FileStore.open(root, 10 * MIB);

    assertEquals(Optional.empty(), reopened.get(key("a")));
    assertFalse(Files.exists(sidecarOf(a)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{ not json",
      "",
      "[1, 2]",
      "{\"format\": 2, \"url\": \"http://h/a\", \"size\": 1000}",
      "{\"format\": 1, \"size\": 1000, \"sha256\": \"" + DIGEST + "\"}",
      "{\"format\": 1, \"url\": \"http://h/a\", \"size\": 1000}",
      "{\"format\": 1, \"url\": \"http://h/a\", \"size\": 1000, \"sha256\": \"xyz\"}",
      "{\"format\": 1, \"url\": \"http://h/a\", \"size\": \"big\", \"sha256\": \"" + DIGEST + "\"}",
      "{\"format\": \"1\", \"url\": \"http://h/a\", \"size\": 1000, \"sha256\": \"" + DIGEST + "\"}"})
  void open_corruptSidecar_bodyAndSidecarRemoved(String sidecarText) throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject a = put(store, "a", bytes(1000, 1));
    StoredObject b = put(store, "b", bytes(1000, 2));
    Files.writeString(sidecarOf(a), sidecarText);

    FileStore reopened = FileStore.open(root, 10 * MIB);

    assertEquals(Optional.empty(), reopened.get(key("a")));
    assertFalse(Files.exists(a.data()));
    assertFalse(Files.exists(sidecarOf(a)));
    assertEquals(List.of(b), reopened.list());
  }

  @Test
  void open_leftoverSidecarTemp_removed() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject a = put(store, "a", bytes(1000, 1));
    Path temp = sidecarOf(a).resolveSibling(sidecarOf(a).getFileName() + ".tmp");
    Files.writeString(temp, "{\"format\": 1, \"url\": \"http://h/a\"");

    FileStore reopened = FileStore.open(root, 10 * MIB);

    assertFalse(Files.exists(temp));
    assertEquals(Optional.of(a), reopened.get(key("a")));
  }

  @Test
  void open_unrelatedNames_objectsIntact() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject a = put(store, "a", bytes(1000, 1));
    Path objects = root.resolve("objects");
    Path shard = a.data().getParent();
    Files.writeString(objects.resolve("README"), "not a shard");
    Files.createDirectories(objects.resolve("zz"));
    Files.writeString(shard.resolve("notes.txt"), "junk");
    Files.writeString(shard.resolve("not-a-key.json"), "{}");
    Files.writeString(shard.resolve(".hidden"), "junk");
    Files.createDirectories(shard.resolve("junkdir"));
    Files.writeString(shard.resolve("junkdir").resolve("f"), "junk");
    Files.createDirectories(root.resolve("partial").resolve("sub"));
    Files.writeString(root.resolve("partial").resolve("sub").resolve("f"), "junk");

    FileStore reopened = FileStore.open(root, 10 * MIB);

    assertEquals(List.of(a), reopened.list());
    assertEquals(new StoreStats(1, 1000, 0, 10 * MIB, 0), reopened.stats());
    assertFalse(Files.exists(shard.resolve("not-a-key.json")));
  }

  // --- eviction

  @Test
  void commit_pastQuota_evictsLeastRecentlyUsed() throws IOException {
    FileStore store = FileStore.open(root, 3 * MIB);
    StoredObject a = put(store, "a", bytes((int) MIB, 1));
    StoredObject b = put(store, "b", bytes((int) MIB, 2));
    StoredObject c = put(store, "c", bytes((int) MIB, 3));
    assertTrue(store.get(key("a")).isPresent()); // a is now more recent than b

    StoredObject d = put(store, "d", bytes((int) MIB, 4));

    assertEquals(Optional.empty(), store.get(key("b")));
    assertFalse(Files.exists(b.data()));
    assertFalse(Files.exists(sidecarOf(b)));
    assertEquals(List.of(c, a, d), store.list());
    assertEquals(new StoreStats(3, 3 * MIB, 0, 3 * MIB, 1), store.stats());
  }

  @Test
  void commit_unannouncedLengthPastQuota_evictsOnCommit() throws IOException {
    FileStore store = FileStore.open(root, 3 * MIB);
    StoredObject a = put(store, "a", bytes((int) MIB, 1), 0);
    StoredObject b = put(store, "b", bytes((int) MIB, 2), 0);
    put(store, "c", bytes((int) MIB, 3), 0);
    PartialFile partial = store.createPartial(key("d"), 0);
    assertEquals(0, store.stats().evictions());
    byte[] body = bytes((int) (2 * MIB), 4);
    Files.write(partial.path(), body);

    store.commit(partial, meta("d", body)).orElseThrow();

    assertFalse(Files.exists(a.data()));
    assertFalse(Files.exists(b.data()));
    assertEquals(List.of(key("c"), key("d")), store.list().stream().map(StoredObject::key).toList());
    assertEquals(new StoreStats(2, 3 * MIB, 0, 3 * MIB, 2), store.stats());
  }

  @Test
  void commit_newObjectIsNeverItsOwnVictim() throws IOException {
    FileStore store = FileStore.open(root, 3 * MIB);
    put(store, "a", bytes((int) MIB, 1), 0);
    byte[] body = bytes((int) (3 * MIB), 2);

    StoredObject whole = put(store, "whole", body, 0);

    assertEquals(List.of(whole), store.list());
    assertEquals(3 * MIB, store.stats().usedBytes());
  }

  @Test
  void createPartial_reservesSpaceByEvictingAhead() throws IOException {
    FileStore store = FileStore.open(root, 3 * MIB);
    StoredObject a = put(store, "a", bytes((int) MIB, 1));
    put(store, "b", bytes((int) MIB, 2));
    put(store, "c", bytes((int) MIB, 3));

    PartialFile partial = store.createPartial(key("d"), MIB);

    assertEquals(MIB, partial.reservedBytes());
    assertTrue(Files.exists(partial.path()));
    assertFalse(Files.exists(a.data()));
    assertEquals(new StoreStats(2, 2 * MIB, MIB, 3 * MIB, 1), store.stats());
  }

  @Test
  void discard_releasesReservation() throws IOException {
    FileStore store = FileStore.open(root, 3 * MIB);
    put(store, "a", bytes((int) MIB, 1));
    put(store, "b", bytes((int) MIB, 2));
    PartialFile partial = store.createPartial(key("d"), MIB);

    store.discard(partial);

    assertFalse(Files.exists(partial.path()));
    assertEquals(new StoreStats(2, 2 * MIB, 0, 3 * MIB, 0), store.stats());
    store.createPartial(key("e"), MIB);
    assertEquals(new StoreStats(2, 2 * MIB, MIB, 3 * MIB, 0), store.stats());
  }

  @Test
  void createPartial_expectedLargerThanQuotaReservesNothing() throws IOException {
    FileStore store = FileStore.open(root, 3 * MIB);
    StoredObject a = put(store, "a", bytes((int) MIB, 1));

    PartialFile partial = store.createPartial(key("huge"), 4 * MIB);

    assertEquals(0, partial.reservedBytes());
    assertEquals(List.of(a), store.list());
    assertEquals(0, store.stats().reservedBytes());
  }

  @Test
  void open_smallerQuota_evictsOldestFirst() throws IOException {
    FileStore store = FileStore.open(root, 3 * MIB);
    StoredObject a = put(store, "a", bytes((int) MIB, 1));
    StoredObject b = put(store, "b", bytes((int) MIB, 2));
    StoredObject c = put(store, "c", bytes((int) MIB, 3));
    // Reopening orders objects by their bodies' modification times.
    Files.setLastModifiedTime(b.data(), FileTime.fromMillis(STORED_AT));
    Files.setLastModifiedTime(c.data(), FileTime.fromMillis(STORED_AT + 1000));
    Files.setLastModifiedTime(a.data(), FileTime.fromMillis(STORED_AT + 2000));

    FileStore reopened = FileStore.open(root, 2 * MIB);

    assertEquals(List.of(c, a), reopened.list());
    assertFalse(Files.exists(b.data()));
    assertFalse(Files.exists(sidecarOf(b)));
    assertEquals(new StoreStats(2, 2 * MIB, 0, 2 * MIB, 1), reopened.stats());
  }

  // --- validation

  @Test
  void markValidated_rewritesSidecar() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    StoredObject a = put(store, "a", bytes(1000, 1));

    StoredObject updated = store.markValidated(key("a"), STORED_AT + 60_000, "\"v2\"", null).orElseThrow();

    assertEquals(STORED_AT + 60_000, updated.meta().validatedAtMillis());
    assertEquals("\"v2\"", updated.meta().etag());
    assertEquals(a.meta().lastModified(), updated.meta().lastModified());
    assertEquals(STORED_AT, updated.meta().storedAtMillis());
    assertEquals(Optional.of(updated), store.get(key("a")));
    assertEquals(updated.meta(), ObjectMeta.fromJson(Files.readString(sidecarOf(a))));
    assertFalse(Files.exists(sidecarOf(a).resolveSibling(sidecarOf(a).getFileName() + ".tmp")));
  }

  @Test
  void markValidated_survivesReopen() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);
    put(store, "a", bytes(1000, 1));
    StoredObject updated = store.markValidated(key("a"), STORED_AT + 60_000, "\"v2\"", "Wed, 04 Jun 2025 11:05:30 GMT")
        .orElseThrow();

    FileStore reopened = FileStore.open(root, 10 * MIB);

    ObjectMeta meta = reopened.get(key("a")).orElseThrow().meta();
    assertEquals(updated.meta(), meta);
    assertEquals("Wed, 04 Jun 2025 11:05:30 GMT", meta.lastModified());
  }

  @Test
  void markValidated_unknownKey() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB);

    assertEquals(Optional.empty(), store.markValidated(key("a"), STORED_AT, "\"v2\"", null));
    assertEquals(List.of(), filesIn(root.resolve("objects")));
  }

  // --- helpers

  // --- inventory

  @Test
  void inventory_mostRecentlyUsedFirst_withTheTimeOfLastUse() throws IOException {
    long[] now = {1_000};
    FileStore store = FileStore.open(root, 10 * MIB, () -> now[0]);
    put(store, "a", bytes(100, 1));
    now[0] = 2_000;
    put(store, "b", bytes(200, 2));
    now[0] = 3_000;
    store.get(key("a"));
    now[0] = 4_000;

    List<FileStore.Accessed> listed = store.inventory();

    assertEquals(List.of(key("a"), key("b")), listed.stream().map(a -> a.object().key()).toList());
    assertEquals(List.of(3_000L, 2_000L), listed.stream().map(FileStore.Accessed::accessedAtMillis).toList());
    assertEquals(List.of(key("a"), key("b")), store.inventory().stream().map(a -> a.object().key()).toList(),
        "listing is not a use");
  }

  @Test
  void inventory_afterRestart_lastUseIsTheBodysModificationTime() throws IOException {
    FileStore store = FileStore.open(root, 10 * MIB, () -> 5_000);
    StoredObject a = put(store, "a", bytes(100, 1));
    Files.setLastModifiedTime(a.data(), FileTime.fromMillis(1_234_000));

    FileStore reopened = FileStore.open(root, 10 * MIB, () -> 9_000);

    assertEquals(List.of(1_234_000L), reopened.inventory().stream().map(FileStore.Accessed::accessedAtMillis).toList());
  }

  @Test
  void reserve_whileOthersHoldTheQuota_grantsNothing_andUsedPlusReservedStaysWithinIt() throws IOException {
    FileStore store = FileStore.open(root, 1000);
    put(store, "old", bytes(300, 1));
    PartialFile a = store.createPartial(key("a"), 600);
    PartialFile b = store.createPartial(key("b"), 600);

    assertEquals(600, a.reservedBytes());
    assertEquals(0, b.reservedBytes(), "600 more would take the store past its quota whatever is evicted");
    assertTrue(store.stats().usedBytes() + store.stats().reservedBytes() <= 1000);

    byte[] aBody = bytes(600, 2);
    Files.write(a.path(), aBody);
    store.commit(a, meta("a", aBody)).orElseThrow();
    byte[] bBody = bytes(600, 3);
    Files.write(b.path(), bBody);
    // Once a is in, b can have room by evicting: it is kept, and the quota holds.
    store.commit(b, meta("b", bBody)).orElseThrow();
    StoreStats stats = store.stats();
    assertEquals(0, stats.reservedBytes());
    assertTrue(stats.usedBytes() <= 1000, stats.toString());
  }

  @Test
  void commit_withoutRoomWhileOthersHoldTheQuota_notKept() throws IOException {
    FileStore store = FileStore.open(root, 1000);
    PartialFile holder = store.createPartial(key("holder"), 900);
    PartialFile late = store.createPartial(key("late"), 0);
    byte[] body = bytes(500, 4);
    Files.write(late.path(), body);

    assertEquals(Optional.empty(), store.commit(late, meta("late", body)));

    assertFalse(Files.exists(late.path()));
    assertEquals(new StoreStats(0, 0, 900, 1000, 0), store.stats());
    store.discard(holder);
    assertEquals(new StoreStats(0, 0, 0, 1000, 0), store.stats());
  }

  @Test
  void extend_aBodyWithoutLength_growsByEvicting_untilTheQuotaRefusesIt() throws IOException {
    FileStore store = FileStore.open(root, 10_000);
    put(store, "x", bytes(4_000, 1));
    put(store, "y", bytes(4_000, 2));
    PartialFile growing = store.createPartial(key("growing"), 0);

    assertTrue(store.extend(growing, 4_000));
    assertEquals(1, store.stats().evictions(), "x, the least recently used, made room");
    assertTrue(store.extend(growing, 4_000));
    assertEquals(8_000, store.reservationOf(growing));
    assertFalse(store.extend(growing, 4_000), "12,000 bytes never fit in 10,000");
    assertEquals(8_000, store.reservationOf(growing), "a refusal reserves nothing");
    assertTrue(store.stats().usedBytes() + store.stats().reservedBytes() <= 10_000);

    byte[] body = bytes(7_000, 5);
    Files.write(growing.path(), body);
    store.commit(growing, meta("growing", body)).orElseThrow();
    assertEquals(new StoreStats(1, 7_000, 0, 10_000, 2), store.stats());
  }

  @Test
  void concurrentOverQuotaFetches_keepUsedPlusReservedWithinTheQuota_throughout() throws Exception {
    long quota = 64 * 1024;
    FileStore store = FileStore.open(root, quota);
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicLong worst = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong samples = new java.util.concurrent.atomic.AtomicLong();
    Thread watcher = new Thread(() -> {
      while (running.get()) {
        StoreStats stats = store.stats();
        worst.accumulateAndGet(stats.usedBytes() + stats.reservedBytes(), Math::max);
        samples.incrementAndGet();
      }
    });
    watcher.start();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      done.add(pool.submit(() -> {
        java.util.SplittableRandom random = new java.util.SplittableRandom(thread);
        for (int i = 0; i < 200; i++) {
          String name = "t" + thread + "-" + i;
          int size = random.nextInt(1, 40 * 1024);
          boolean announced = random.nextBoolean();
          PartialFile partial = store.createPartial(key(name), announced ? size : 0);
          if (!announced) {
            // A body without a length takes its room in steps as it grows.
            for (int have = 0; have < size && store.extend(partial, 8 * 1024); have += 8 * 1024) {
              // grown
            }
          }
          byte[] body = bytes(size, thread + i);
          Files.write(partial.path(), body);
          if (random.nextInt(10) == 0) {
            store.discard(partial);
          } else {
            store.commit(partial, meta(name, body));
          }
        }
        return null;
      }));
    }
    for (java.util.concurrent.Future<?> f : done) {
      f.get(120, java.util.concurrent.TimeUnit.SECONDS);
    }
    running.set(false);
    watcher.join();
    pool.shutdown();
    System.out.printf("store quota %d: worst used + reserved over %d samples: %d%n", quota, samples.get(), worst.get());
    assertTrue(worst.get() <= quota, "used + reserved reached " + worst.get() + " of a " + quota + "-byte quota");
    assertEquals(0, store.stats().reservedBytes(), "every reservation was given back");
    long onDisk = 0;
    for (StoredObject o : store.list()) {
      onDisk += Files.size(o.data());
    }
    assertEquals(store.stats().usedBytes(), onDisk);
    assertTrue(onDisk <= quota);
  }

  private static ObjectKey key(String name) {
    return ObjectKey.of(CanonicalUrl.parse("http://h/" + name));
  }

  private static ObjectMeta meta(String name, byte[] body) {
    return new ObjectMeta("http://h/" + name, body.length, Sha256.of(body), "application/octet-stream", "\"v1\"",
        "Tue, 03 Jun 2025 11:05:30 GMT", STORED_AT, STORED_AT);
  }

  private static StoredObject put(FileStore store, String name, byte[] body) throws IOException {
    return put(store, name, body, body.length);
  }

  private static StoredObject put(FileStore store, String name, byte[] body, long expectedBytes) throws IOException {
    PartialFile partial = store.createPartial(key(name), expectedBytes);
    Files.write(partial.path(), body);
    return store.commit(partial, meta(name, body)).orElseThrow();
  }

  private static byte[] bytes(int length, int seed) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) seed);
    b[0] = (byte) (seed + 100);
    return b;
  }

  private static Path sidecarOf(StoredObject object) {
    return object.data().resolveSibling(object.data().getFileName() + ".json");
  }

  /** Regular files under {@code dir}, at any depth. */
  private static List<Path> filesIn(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }
}
