package dev.potluck.node;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A config file that lists every option of {@code potluck node}, commented out, each with its help
 * text and its default, made from the command's own option list so that it cannot fall behind it.
 * The default is the one the help text names ("Default: 10G."); where that is a value a user could
 * write ({@code 10G}, {@code 127.0.0.1:7878}), the line reads {@code #cache-size = 10G}, and a test
 * uncomments every such line and checks that the node's configuration does not change.
 *
 * <p>{@code settings} are written uncommented: what a package sets differently from the built-in
 * defaults (the cache under {@code /var/cache}, say).
 */
final class ConfigTemplate {

  private static final Pattern DEFAULT = Pattern.compile("\\s*Default: (.+?)\\.?$");
  private static final int WIDTH = 100;

  private ConfigTemplate() {}

  /** The options a config file may set: all of the command's but --config, --help, --version and hidden ones. */
  static List<OptionSpec> settable(CommandSpec node) {
    return node.options().stream()
        .filter(o -> !o.usageHelp() && !o.versionHelp() && !o.hidden() && !o.longestName().equals("--config"))
        .toList();
  }

  /** The template for {@code potluck node}'s options; {@code settings} maps a name to its value. */
  static String render(String header, Map<String, String> settings) {
    CommandSpec node = new CommandLine(new NodeCommand()).getCommandSpec();
    List<String> unknown = settings.keySet().stream().filter(k -> node.findOption("--" + k) == null).toList();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("not options of potluck node: " + unknown);
    }
    StringBuilder out = new StringBuilder();
    for (String line : header.split("\n", -1)) {
      out.append(line.isEmpty() ? "#" : "# " + line).append('\n');
    }
    for (OptionSpec option : settable(node)) {
      String name = option.longestName().substring(2);
      String help = String.join(" ", option.description());
      Matcher m = DEFAULT.matcher(help);
      String literal = null;
      if (m.find()) {
        String value = m.group(1);
        help = help.substring(0, m.start()).strip();
        // "none" is how the help says "not set"; as a value it would name a file called none.
        if (value.matches("\\S+") && !value.equals("none")) {
          literal = value;
        } else {
          help += " Default: " + value + ".";
        }
      }
      out.append('\n');
      if (option.isMultiValue()) {
        help = help.replace(" Repeatable.", "") + " Repeatable: one line for each.";
      }
      wrap(help, out);
      if (option.typeInfo().isBoolean()) {
        out.append('#').append(name).append(" = false\n");
      } else if (literal != null) {
        out.append('#').append(name).append(" = ").append(literal).append('\n');
      } else {
        out.append('#').append(name).append(" = ").append(option.paramLabel()).append('\n');
      }
      String set = settings.get(name);
      if (set != null) {
        out.append(name).append(" = ").append(set).append('\n');
      }
    }
    return out.toString();
  }

  private static void wrap(String text, StringBuilder out) {
    StringBuilder line = new StringBuilder("#");
    for (String word : text.split("\\s+")) {
      if (line.length() + 1 + word.length() > WIDTH && line.length() > 1) {
        out.append(line).append('\n');
        line = new StringBuilder("#");
      }
      line.append(' ').append(word);
    }
    out.append(line).append('\n');
  }
}
