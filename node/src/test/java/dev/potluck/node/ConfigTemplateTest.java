package dev.potluck.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.config.NodeConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class ConfigTemplateTest {

  private static final Map<String, String> ENV = Map.of("XDG_CACHE_HOME", "/srv/xdg");
  private static final InetAddress LAN = dev.potluck.node.config.IpLiteral.parse("192.168.1.20");
  private static final Pattern COMMENTED = Pattern.compile("^#([a-z][a-z0-9-]*) = (.*)$", Pattern.MULTILINE);

  @TempDir Path dir;

  @Test
  void render_everyOptionOfTheNodeCommand_commentedOut() {
    String text = ConfigTemplate.render("header", Map.of());
    for (OptionSpec option : ConfigTemplate.settable(new CommandLine(new NodeCommand()).getCommandSpec())) {
      assertTrue(text.contains("\n#" + option.longestName().substring(2) + " = "), option.longestName() + " in\n" + text);
    }
    assertTrue(text.lines().allMatch(l -> l.isEmpty() || l.startsWith("#")), text);
  }

  @Test
  void render_defaultsUncommented_sameConfigurationAsNoFile() throws IOException {
    // The defaults the file shows come from the options' help: wrong help makes this fail.
    String text = ConfigTemplate.render("header", Map.of());
    Matcher m = COMMENTED.matcher(text);
    StringBuilder uncommented = new StringBuilder();
    int values = 0;
    while (m.find()) {
      OptionSpec option = new CommandLine(new NodeCommand()).getCommandSpec().findOption("--" + m.group(1));
      if (!m.group(2).equals(option.paramLabel())) {
        uncommented.append(m.group(1)).append(" = ").append(m.group(2)).append('\n');
        values++;
      }
    }
    assertTrue(values >= 12, "most options show a literal default:\n" + uncommented);
    Path file = Files.writeString(dir.resolve("potluck.conf"), uncommented);

    NodeCommand fromFile = node("--config", file.toString()).withConfigFile();
    NodeCommand none = node();

    assertEquals(none.toConfig(ENV), fromFile.toConfig(ENV), uncommented.toString());
    assertEquals(none.toSwarmConfig(() -> LAN), fromFile.toSwarmConfig(() -> LAN), uncommented.toString());
  }

  @Test
  void packageConf_parses_andPutsTheCacheWhereSystemdMakesIt() throws IOException {
    Path file = Files.writeString(dir.resolve("potluck.conf"), PackageFiles.conf());

    NodeConfig config = node("--config", file.toString()).withConfigFile().toConfig(ENV);

    assertEquals(Path.of("/var/cache/potluck"), config.cacheDir());
    assertEquals(NodeConfig.defaults(ENV).listen(), config.listen());
    assertTrue(PackageFiles.conf().startsWith("# /etc/potluck/potluck.conf: "), PackageFiles.conf());
  }

  @Test
  void render_settingThatIsNoOption_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfigTemplate.render("h", Map.of("cache-sise", "1G")));
    assertEquals("not options of potluck node: [cache-sise]", e.getMessage());
  }

  private static NodeCommand node(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("node"));
    all.addAll(List.of(args));
    CommandLine.ParseResult result = new CommandLine(new Main()).parseArgs(all.toArray(String[]::new));
    return (NodeCommand) result.subcommand().commandSpec().userObject();
  }

}
