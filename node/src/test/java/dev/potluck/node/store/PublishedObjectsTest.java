package dev.potluck.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's part in publishing: {@link Sharing} kept in the sidecar, share counts, and old stores. */
class PublishedObjectsTest {

  private static final long T0 = 1_795_000_000_000L;
  private static final long DAY = 86_400_000L;
  private static final byte[] BODY = "a published file\n".getBytes(StandardCharsets.UTF_8);
  private static final Sha256 DIGEST = Sha256.of(BODY);
  private static final ObjectKey KEY = new ObjectKey(DIGEST.hex());
  private static final String URL = "http://sha256.potluck.invalid/sha256/" + DIGEST.hex();

  @TempDir Path root;

  @Test
  void sharing_limits_offeredUntilMaxAgeOrMaxShares() {
    Sharing fresh = new Sharing(T0, DAY, 2, 0);
    assertTrue(fresh.offered(T0));
    assertTrue(fresh.offered(T0 + DAY - 1));
    assertFalse(fresh.offered(T0 + DAY), "expired at publish time + max age");
    assertTrue(fresh.expired(T0 + DAY));
    Sharing twice = fresh.withOneMoreShare().withOneMoreShare();
    assertTrue(twice.exhausted());
    assertFalse(twice.offered(T0));
    assertFalse(twice.expired(T0), "exhausted is not expired: the copy stays for local clients");
    Sharing unlimited = new Sharing(T0, DAY, 0, 1_000_000);
    assertTrue(unlimited.offered(T0), "0 means no limit on shares");
    assertEquals(Long.MAX_VALUE, new Sharing(T0, Long.MAX_VALUE, 0, 0).expiresAtMillis(), "no overflow");
  }

  @Test
  void sharing_rejectsBadLimits_withTheValueInTheMessage() {
    assertEquals("a published object's max age must be more than 0, not 0 ms",
        assertThrows(IllegalArgumentException.class, () -> new Sharing(T0, 0, 1, 0)).getMessage());
    assertEquals("a published object's max share count must be 0 (no limit) or more, not -1",
        assertThrows(IllegalArgumentException.class, () -> new Sharing(T0, DAY, -1, 0)).getMessage());
  }

  @Test
  void publishedObject_keepsItsLimitsAndShareCount_acrossARestart() throws IOException {
    FileStore store = FileStore.open(root, 1 << 20, () -> T0);
    publish(store, new Sharing(T0, DAY, 3, 0));

    assertTrue(store.claimShare(KEY, T0).isPresent());
    assertTrue(store.claimShare(KEY, T0 + 1).isPresent());
    store.saveSharing(KEY);

    FileStore reopened = FileStore.open(root, 1 << 20, () -> T0);
    StoredObject object = reopened.get(KEY).orElseThrow();
    assertEquals(new Sharing(T0, DAY, 3, 2), object.meta().sharing());
    assertEquals(URL, object.meta().url());
    JsonObject sidecar = new JsonObject(Files.readString(object.data().resolveSibling(KEY.id() + ".json")));
    assertEquals(ObjectMeta.FORMAT_SHARING, sidecar.getInteger("format"));
  }

  @Test
  void claimShare_stopsAtMaxShares_andAfterMaxAge() throws IOException {
    FileStore store = FileStore.open(root, 1 << 20, () -> T0);
    publish(store, new Sharing(T0, DAY, 2, 0));

    assertEquals(1, store.claimShare(KEY, T0).orElseThrow().meta().sharing().shares());
    assertEquals(2, store.claimShare(KEY, T0).orElseThrow().meta().sharing().shares());
    assertTrue(store.claimShare(KEY, T0).isEmpty(), "a third peer is not served");
    assertEquals(2, store.get(KEY).orElseThrow().meta().sharing().shares(), "and not counted");
    assertTrue(store.get(KEY).isPresent(), "the copy stays for this host's own clients");

    FileStore other = FileStore.open(root.resolve("other"), 1 << 20, () -> T0);
    publish(other, new Sharing(T0, DAY, 0, 0));
    assertTrue(other.claimShare(KEY, T0 + DAY - 1).isPresent());
    assertTrue(other.claimShare(KEY, T0 + DAY).isEmpty(), "past its max age it is not shared");
  }

  @Test
  void claimShare_ofAnObjectNotPublished_isRefused() throws IOException {
    FileStore store = FileStore.open(root, 1 << 20, () -> T0);
    PartialFile partial = store.createPartial(KEY, BODY.length);
    Files.write(partial.path(), BODY);
    store.commit(partial, new ObjectMeta(URL, BODY.length, DIGEST, null, null, null, T0, T0));

    assertTrue(store.claimShare(KEY, T0).isEmpty());
    assertTrue(store.claimShare(new ObjectKey("ab".repeat(32)), T0).isEmpty(), "nor one not stored");
  }

  /** A sidecar exactly as nodes wrote them before publishing existed (format 1, no sharing). */
  @Test
  void storeWrittenBeforePublishing_opens_withItsObjectsUnpublished() throws IOException {
    byte[] body = "Package: hello\n".getBytes(StandardCharsets.UTF_8);
    String url = "http://deb.example/debian/pool/main/h/hello/hello_1.0_all.deb";
    ObjectKey key = ObjectKey.of(dev.potluck.protocol.CanonicalUrl.parse(url));
    Path shard = Files.createDirectories(root.resolve("objects").resolve(key.id().substring(0, 2)));
    Files.write(shard.resolve(key.id()), body);
    Files.writeString(shard.resolve(key.id() + ".json"), "{\n"
        + "  \"format\" : 1,\n"
        + "  \"url\" : \"" + url + "\",\n"
        + "  \"size\" : " + body.length + ",\n"
        + "  \"sha256\" : \"" + Sha256.of(body).hex() + "\",\n"
        + "  \"storedAt\" : " + T0 + ",\n"
        + "  \"validatedAt\" : " + T0 + ",\n"
        + "  \"contentType\" : \"application/vnd.debian.binary-package\",\n"
        + "  \"etag\" : \"\\\"abc\\\"\"\n"
        + "}");

    FileStore store = FileStore.open(root, 1 << 20, () -> T0);

    StoredObject object = store.get(key).orElseThrow();
    assertEquals(new ObjectMeta(url, body.length, Sha256.of(body), "application/vnd.debian.binary-package",
        "\"abc\"", null, T0, T0, null), object.meta());
    assertNull(object.meta().sharing());
    // Rewritten (revalidated), it stays in the old format: older nodes can still read it.
    store.markValidated(key, T0 + 1, null, null);
    assertEquals(ObjectMeta.FORMAT, new JsonObject(Files.readString(shard.resolve(key.id() + ".json"))).getInteger("format"));
  }

  @Test
  void sidecarOfFormat2WithoutSharing_isRefused() {
    String text = new JsonObject().put("format", 2).put("url", URL).put("size", 1).put("sha256", DIGEST.hex()).encode();
    assertEquals("sidecar of format 2 without 'sharing'",
        assertThrows(IllegalArgumentException.class, () -> ObjectMeta.fromJson(text)).getMessage());
  }

  private void publish(FileStore store, Sharing sharing) throws IOException {
    PartialFile partial = store.createPartial(KEY, BODY.length);
    Files.write(partial.path(), BODY);
    store.commit(partial, new ObjectMeta(URL, BODY.length, DIGEST, "application/octet-stream", null, null, T0, T0,
        sharing)).orElseThrow();
  }
}
