package dev.potluck.node.trust;

import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.trust.apt.AptAuthority;
import dev.potluck.node.trust.apt.AptSources;
import dev.potluck.node.trust.apt.TrustedKeys;
import dev.potluck.node.trust.nix.NixAuthority;
import dev.potluck.node.trust.nix.NixKey;
import dev.potluck.node.trust.pacman.PacmanAuthority;
import dev.potluck.node.trust.rpm.DnfAuthority;
import dev.potluck.protocol.CanonicalUrl;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sets up a node's authorities at start. Blocking: run on a worker thread. */
public final class NodeTrust {

  private static final Logger log = LoggerFactory.getLogger(NodeTrust.class);

  private NodeTrust() {}

  /**
   * The keys apt trusts on this host plus {@code keyrings}; cache.nixos.org's nix key plus
   * {@code nixKeys}; and every repository's metadata already in {@code store} verified again, so a
   * restarted node knows at once what its stored packages must be.
   */
  public static Loaded load(List<Path> keyrings, List<NixKey> nixKeys, Path aptSources, FileStore store) {
    List<AptSources.Entry> sources = AptSources.read(aptSources);
    List<Path> places = new ArrayList<>(TrustedKeys.APT_PLACES);
    places.addAll(keyrings);
    // The keyrings apt's sources name with signed-by (most often already under the places above).
    sources.stream().flatMap(e -> e.signedBy().stream()).distinct().filter(p -> !places.contains(p)).forEach(places::add);
    TrustedKeys keys = TrustedKeys.load(places);
    log.info("repository keys: {} trusted, from apt's keyrings{}", keys.size(),
        keyrings.isEmpty() ? "" : " and " + keyrings);
    keys.skipped().forEach(why -> log.debug("keyring skipped: {}", why));
    AptAuthority apt = new AptAuthority(keys, Instant::now);
    List<NixKey> nix = new ArrayList<>(List.of(NixKey.CACHE_NIXOS_ORG));
    nix.addAll(nixKeys);
    log.info("nix binary cache keys trusted: {}", nix.stream().map(NixKey::name).distinct().toList());
    Authorities authorities = new Authorities(List.of(apt, new DnfAuthority(keys, Instant::now),
        new PacmanAuthority(keys, Instant::now), new NixAuthority(nix)));
    relearn(authorities, store);
    log.info("apt sources in {}: {} suite(s)", aptSources, sources.size());
    return new Loaded(authorities, apt, sources);
  }

  /** What {@link #load} set up: every authority, apt's among them, and the host's apt sources. */
  public record Loaded(Authorities authorities, AptAuthority apt, List<AptSources.Entry> aptSources) {}

  /** Feeds the stored metadata to the authorities again: Release files and repomds first, then what they list. */
  static void relearn(Authorities authorities, FileStore store) {
    List<StoredObject> objects = new ArrayList<>(store.list());
    objects.sort(Comparator.comparingInt(o -> releaseFirst(o.meta().url())));
    for (StoredObject o : objects) {
      CanonicalUrl url;
      try {
        url = CanonicalUrl.parse(o.meta().url());
      } catch (IllegalArgumentException e) {
        continue;
      }
      authorities.observe(url, o.data(), o.meta().sha256());
    }
  }

  private static int releaseFirst(String url) {
    return url.endsWith("/InRelease") || url.endsWith("/Release") || url.endsWith("/Release.gpg")
        || url.endsWith("/repodata/repomd.xml") || url.endsWith("/repodata/repomd.xml.asc") ? 0 : 1;
  }
}
