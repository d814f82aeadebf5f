package dev.potluck.node.trust.rpm;

import dev.potluck.node.trust.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real rpm repositories for tests: tiny noarch rpms built by {@code rpmbuild} from spec files (random,
 * incompressible payloads), laid out in subfolders and indexed by {@code createrepo_c}.
 */
public final class RpmRepository {

  /** name, version, payload bytes, subfolder of the repository, and the packages it requires (or none). */
  public record Spec(String name, String version, int payload, String folder, List<String> requires) {
    public Spec(String name, String version, int payload, String folder) {
      this(name, version, payload, folder, List.of());
    }

    /** The rpm's file name, as rpmbuild writes it. */
    public String fileName() {
      return name + "-" + version + "-1.noarch.rpm";
    }

    /** Its path in the repository, from the root, without a leading slash. */
    public String path() {
      return folder + fileName();
    }
  }

  static final List<Spec> SPECS = List.of(
      new Spec("alpha", "1.0", 3000, "Packages/a/"),
      new Spec("beta", "2.0", 5000, "Packages/b/"),
      new Spec("gamma+plus", "3.0", 7000, "Packages/g/"));

  private RpmRepository() {}

  /** Builds every rpm of {@link #SPECS} once, in {@code work}; returns them in the same order. */
  static List<Path> buildRpms(Path work) throws IOException {
    return buildRpms(work, SPECS);
  }

  /** Builds every rpm of {@code specs} once, in {@code work}; returns them in the same order. */
  public static List<Path> buildRpms(Path work, List<Spec> specs) throws IOException {
    Tool.require("rpmbuild", "rpm");
    Path top = work.resolve("rpmbuild");
    for (String d : List.of("SPECS", "SOURCES", "BUILD", "RPMS", "SRPMS", "BUILDROOT")) {
      Files.createDirectories(top.resolve(d));
    }
    List<String> command = new ArrayList<>(List.of("rpmbuild", "--quiet", "--define", "_topdir " + top,
        "--define", "_build_id_links none", "--define", "_binary_payload w2.xzdio", "-bb"));
    for (Spec s : specs) {
      Path spec = top.resolve("SPECS").resolve(s.name() + ".spec");
      Files.writeString(spec, "Name: " + s.name() + "\nVersion: " + s.version() + "\nRelease: 1\n"
          + "Summary: a test package\nLicense: MIT\nBuildArch: noarch\n"
          + s.requires().stream().map(r -> "Requires: " + r + "\n").collect(Collectors.joining())
          + "%description\nA test package whose payload is random.\n"
          + "%install\nmkdir -p %{buildroot}/usr/share/" + s.name() + "\n"
          + "head -c " + s.payload() + " /dev/urandom > %{buildroot}/usr/share/" + s.name() + "/payload\n"
          + "%files\n/usr/share/" + s.name() + "/payload\n");
      command.add(spec.toString());
    }
    Tool.run(work, Map.of(), command.toArray(String[]::new));
    List<Path> rpms = new ArrayList<>();
    for (Spec s : specs) {
      rpms.add(top.resolve("RPMS/noarch/" + s.fileName()));
    }
    return rpms;
  }

  /** A repository at {@code dir}: the rpms in their subfolders, then {@code createrepo_c} with {@code options}. */
  static Path create(Path dir, List<Path> rpms, String... options) throws IOException {
    return create(dir, SPECS, rpms, options);
  }

  /**
   * A repository at {@code dir}: the rpms built from {@code specs} in their subfolders, then
   * {@code createrepo_c} with {@code options}.
   */
  public static Path create(Path dir, List<Spec> specs, List<Path> rpms, String... options) throws IOException {
    Tool.require("createrepo_c", "createrepo-c");
    for (int i = 0; i < rpms.size(); i++) {
      Path to = dir.resolve(specs.get(i).folder()).resolve(rpms.get(i).getFileName());
      Files.createDirectories(to.getParent());
      Files.copy(rpms.get(i), to);
    }
    List<String> command = new ArrayList<>(List.of("createrepo_c", "--quiet", "--no-database"));
    command.addAll(List.of(options));
    command.add(dir.toString());
    Tool.run(dir, Map.of(), command.toArray(String[]::new));
    return dir;
  }

  /** The repository's primary file, as createrepo_c named it. */
  static Path primary(Path repo) throws IOException {
    try (Stream<Path> files = Files.list(repo.resolve("repodata"))) {
      return files.filter(p -> p.getFileName().toString().contains("-primary.xml")).findFirst()
          .orElseThrow(() -> new IOException("createrepo_c wrote no primary in " + repo));
    }
  }
}
