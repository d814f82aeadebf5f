package dev.potluck.testkit.apt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the real {@code apt-get} as one isolated client: its own config, state, cache and sources,
 * nothing read from {@code /etc/apt} and nothing written under {@code /var}. Give each simulated
 * client its own instance (and directory).
 *
 * <p>Isolation goes through an {@code APT_CONFIG} file, not {@code -o} options: apt reads {@code
 * /etc/apt/apt.conf.d} before it parses its command line, so {@code -o Dir::Etc::Parts=...} comes
 * too late to keep the host's settings (and its {@code Post-Invoke} hooks) out.
 *
 * <p>Written for root: the sandbox user is root, so apt never drops to {@code _apt}, which could
 * not write to the test's folders.
 */
public final class AptGet {

  private final Path home;
  private final Path configFile;
  private final String sourcesLine;
  private Duration timeout = ExternalCommand.DEFAULT_TIMEOUT;
  private List<String> commandPrefix = List.of();

  private AptGet(Path home, Path configFile, String sourcesLine) {
    this.home = home;
    this.configFile = configFile;
    this.sourcesLine = sourcesLine;
  }

  /**
   * Sets up a client in {@code dir} for one sources line (see {@link
   * AptRepository#sourcesLine}), fetching through {@code proxyUrl} (e.g. {@code
   * http://127.0.0.1:3142/}) or directly when it is null.
   */
  public static AptGet create(Path dir, String sourcesLine, String proxyUrl) throws IOException {
    return create(dir, sourcesLine, proxyUrl, Map.of());
  }

  /**
   * As {@link #create(Path, String, String)}, with extra apt settings written after the defaults
   * (so they override them), e.g. {@code Map.of("Acquire::Retries", "3")}.
   */
  public static AptGet create(
      Path dir, String sourcesLine, String proxyUrl, Map<String, String> extraSettings)
      throws IOException {
    Path home = Files.createDirectories(dir).toAbsolutePath().normalize();
    Path etc = Files.createDirectories(home.resolve("etc"));
    Path state = Files.createDirectories(home.resolve("state"));
    Path cache = Files.createDirectories(home.resolve("cache"));
    Files.createDirectories(state.resolve("lists").resolve("partial"));
    Files.createDirectories(cache.resolve("archives").resolve("partial"));
    Files.createDirectories(home.resolve("log"));
    Files.createDirectories(home.resolve("download"));
    for (String parts : List.of("apt.conf.d", "sources.list.d", "preferences.d",
        "trusted.gpg.d", "auth.conf.d")) {
      Files.createDirectories(etc.resolve(parts));
    }
    // An empty dpkg status: the client has nothing installed, whatever the host has.
    Files.writeString(state.resolve("status"), "");
    Files.writeString(etc.resolve("apt.conf"), "");
    Files.writeString(etc.resolve("sources.list"), sourcesLine + "\n");

    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("Dir::Etc", etc + "/");
    // Every Dir::Etc entry spelled out absolute, so none can fall back to /etc/apt.
    settings.put("Dir::Etc::main", etc.resolve("apt.conf").toString());
    settings.put("Dir::Etc::parts", etc.resolve("apt.conf.d").toString());
    settings.put("Dir::Etc::sourcelist", etc.resolve("sources.list").toString());
    settings.put("Dir::Etc::sourceparts", etc.resolve("sources.list.d").toString());
    settings.put("Dir::Etc::preferences", etc.resolve("preferences").toString());
    settings.put("Dir::Etc::preferencesparts", etc.resolve("preferences.d").toString());
    settings.put("Dir::Etc::trusted", etc.resolve("trusted.gpg").toString());
    settings.put("Dir::Etc::trustedparts", etc.resolve("trusted.gpg.d").toString());
    settings.put("Dir::Etc::netrc", etc.resolve("auth.conf").toString());
    settings.put("Dir::Etc::netrcparts", etc.resolve("auth.conf.d").toString());
    settings.put("Dir::State", state + "/");
    // Its default is absolute (/var/lib/dpkg/status), so Dir::State alone does not move it.
    settings.put("Dir::State::status", state.resolve("status").toString());
    settings.put("Dir::Cache", cache + "/");
    settings.put("Dir::Log", home.resolve("log") + "/");
    settings.put("APT::Architecture", "amd64");
    settings.put("APT::Architectures", "amd64");
    settings.put("APT::Sandbox::User", "root");
    // The client's own folders need no lock, and /var/lib/dpkg/lock must stay untouched.
    settings.put("Debug::NoLocking", "true");
    settings.put("Acquire::Languages", "none");
    // apt retries failed downloads by default, which would hide a proxy that fails once.
    settings.put("Acquire::Retries", "0");
    // "DIRECT" also stops apt from picking up http_proxy from the environment.
    settings.put("Acquire::http::Proxy", proxyUrl == null ? "DIRECT" : proxyUrl);
    settings.put("Acquire::AllowInsecureRepositories", "false");
    settings.put("Acquire::AllowDowngradeToInsecureRepositories", "false");
    settings.putAll(extraSettings);

    StringBuilder config = new StringBuilder();
    settings.forEach(
        (name, value) -> {
          if (value.contains("\"") || value.contains("\n")) {
            throw new IllegalArgumentException("unquotable apt setting " + name + "=" + value);
          }
          config.append(name).append(" \"").append(value).append("\";\n");
        });
    Path configFile = home.resolve("apt-config.conf");
    Files.writeString(configFile, config);
    return new AptGet(home, configFile, sourcesLine);
  }

  /** Changes the deadline for each apt run (default 120 s); a run past it is killed. */
  public AptGet timeout(Duration value) {
    timeout = value;
    return this;
  }

  /**
   * Runs every apt command behind {@code prefix}, e.g. {@code ip netns exec NS} to run the client on a
   * host of its own; its files stay where they are, so the prefix must keep the file system visible.
   */
  public AptGet withCommandPrefix(List<String> prefix) {
    commandPrefix = List.copyOf(prefix);
    return this;
  }

  /** {@code apt-get update}: fetches InRelease and the Packages index. */
  public Result update() throws IOException {
    return apt(home, "apt-get", "update");
  }

  /**
   * {@code apt-get download NAMES}: the .deb files land in {@link #downloadDir()}, named like
   * {@link AptRepository.Package#fileName()} (a failed one is left as {@code NAME.FAILED}).
   */
  public Result download(List<String> packageNames) throws IOException {
    return apt(downloadDir(), withPackages(List.of("apt-get", "download"), packageNames));
  }

  /**
   * {@code apt-get install --download-only NAMES}: the path a real install takes through apt's
   * cache; the .deb files land in {@link #archivesDir()}.
   */
  public Result installDownloadOnly(List<String> packageNames) throws IOException {
    return apt(
        home,
        withPackages(
            List.of("apt-get", "install", "--yes", "--download-only", "--no-install-recommends"),
            packageNames));
  }

  /** {@code apt-config dump}: the settings apt really uses, to prove nothing leaks in. */
  public Result configDump() throws IOException {
    return apt(home, "apt-config", "dump");
  }

  public Path downloadDir() {
    return home.resolve("download");
  }

  public Path archivesDir() {
    return home.resolve("cache").resolve("archives");
  }

  public Path configFile() {
    return configFile;
  }

  public String sourcesLine() {
    return sourcesLine;
  }

  private Result apt(Path workingDirectory, String... command) throws IOException {
    return apt(workingDirectory, List.of(command));
  }

  private Result apt(Path workingDirectory, List<String> aptCommand) throws IOException {
    List<String> command = new ArrayList<>(commandPrefix);
    command.addAll(aptCommand);
    ExternalCommand.Outcome outcome =
        ExternalCommand.of(command)
            .in(workingDirectory)
            .env("APT_CONFIG", configFile.toString())
            // English messages, so Result can recognise them.
            .env("LC_ALL", "C")
            .env("LANGUAGE", null)
            .env("DEBIAN_FRONTEND", "noninteractive")
            // The host's proxy variables must not reroute a test client.
            .env("http_proxy", null)
            .env("HTTP_PROXY", null)
            .env("https_proxy", null)
            .env("HTTPS_PROXY", null)
            .env("no_proxy", null)
            .env("NO_PROXY", null)
            .timeout(timeout)
            .run();
    List<String> shown = new ArrayList<>();
    shown.add("APT_CONFIG=" + configFile);
    shown.addAll(command);
    return new Result(shown, outcome.exitCode(), outcome.timedOut(), outcome.output());
  }

  private static List<String> withPackages(List<String> command, List<String> packageNames) {
    if (packageNames.isEmpty()) {
      throw new IllegalArgumentException("no packages named");
    }
    List<String> all = new ArrayList<>(command);
    all.addAll(packageNames);
    return all;
  }

  /** How one apt run ended, with its combined stdout and stderr. */
  public record Result(List<String> command, int exitCode, boolean timedOut, String output) {

    // Lines apt prints for errors (E:), warnings (W:), notices (N:), failed fetches (Err:) and
    // skipped ones (Ign:). In a repository the test built itself, each means the setup is off:
    // a missing InRelease, for one, shows only as "Ign:" and exit code 0.
    private static final List<String> BAD_LINE_PREFIXES = List.of("E:", "W:", "N:", "Err:", "Ign:");
    private static final List<String> BAD_PHRASES =
        List.of("Hash Sum mismatch", "NO_PUBKEY", "not signed", "GPG error", "BADSIG",
            "EXPKEYSIG", "couldn't be verified");

    /** Everything that makes this run not clean; empty when it is. */
    public List<String> problems() {
      List<String> problems = new ArrayList<>();
      if (timedOut) {
        problems.add("timed out and was killed");
      } else if (exitCode != 0) {
        problems.add("exit code " + exitCode);
      }
      for (String line : output.split("\n")) {
        String trimmed = line.strip();
        boolean bad =
            BAD_LINE_PREFIXES.stream().anyMatch(trimmed::startsWith)
                || BAD_PHRASES.stream().anyMatch(trimmed::contains);
        if (bad) {
          problems.add(trimmed);
        }
      }
      return problems;
    }

    public boolean isClean() {
      return problems().isEmpty();
    }

    /** Throws an {@link AssertionError} with the problems and apt's full output unless clean. */
    public Result assertClean() {
      List<String> problems = problems();
      if (!problems.isEmpty()) {
        throw new AssertionError(
            "apt run was not clean: "
                + problems
                + "\n--- command ---\n"
                + String.join(" ", command)
                + "\n--- output ---\n"
                + output);
      }
      return this;
    }
  }
}
