package dev.potluck.node.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real dnf on one host, isolated: a config file of the test's ({@code -c}), whose relative folders
 * (cache, persist, logs) land in an install root of the test's, a repository folder of the test's
 * given on the command line (so it is a host path, never one in the install root or the host's own),
 * and only that repository enabled. {@code install --downloadonly --destdir} resolves against the empty
 * install root (so dependencies come too) and only downloads; dnf's {@code download} command is a
 * plugin Debian's dnf does not ship.
 */
final class DnfClient {

  private final ClientHost host;

  /**
   * @param proxy the {@code proxy=} of dnf.conf, or null for none
   * @param source the repository's source line: {@code baseurl=...}, {@code mirrorlist=...} or
   *     {@code metalink=...}
   * @param gpgKey the key that signs the repository's {@code repomd.xml} ({@code repo_gpgcheck=1}, the
   *     key imported by dnf from this file), or null to check nothing ({@code gpgcheck=0}: the node
   *     checks repomd and primary)
   */
  DnfClient(ClientHost host, String proxy, String source, Path gpgKey) throws Exception {
    this.host = host;
    Files.writeString(host.dir().resolve("dnf.conf"), """
        [main]
        cachedir=/var/cache/dnf
        persistdir=/var/lib/dnf
        logdir=/var/log
        gpgcheck=0
        install_weak_deps=0
        plugins=0
        keepcache=0
        """ + (proxy == null ? "" : "proxy=" + proxy + "\n"));
    Files.writeString(Files.createDirectories(host.dir().resolve("repos")).resolve("potluck.repo"), """
        [potluck]
        name=potluck test repository
        %s
        enabled=1
        gpgcheck=0
        skip_if_unavailable=0
        """.formatted(source) + (gpgKey == null ? "repo_gpgcheck=0\n"
        : "repo_gpgcheck=1\ngpgkey=file://" + gpgKey + "\n"));
  }

  /** Fetches the metadata and downloads {@code packages} with their dependencies. */
  List<ClientHost.Run> downloadAll(List<String> packages) throws Exception {
    List<String> command = new ArrayList<>(List.of("dnf", "-y", "-c", host.dir().resolve("dnf.conf").toString(),
        "--setopt=reposdir=" + host.dir().resolve("repos"), "--installroot=" + host.dir().resolve("root"),
        "--releasever=1", "--repo=potluck", "install", "--downloadonly", "--destdir", downloads().toString()));
    command.addAll(packages);
    return List.of(host.run(command));
  }

  /** Where the downloaded packages are. */
  Path downloads() {
    return host.dir().resolve("downloads");
  }
}
