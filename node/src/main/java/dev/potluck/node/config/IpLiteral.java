package dev.potluck.node.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Parses an IP address written as a literal, never as a name: {@link InetAddress#getByName} would
 * otherwise resolve words like {@code cafe} or {@code bad.face} through DNS, and read {@code 10.1} as
 * {@code 10.0.0.1}.
 */
public final class IpLiteral {

  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(%[0-9A-Za-z._-]+)?");

  private IpLiteral() {}

  /** @throws IllegalArgumentException when {@code text} is not a dotted-quad IPv4 or an IPv6 literal */
  public static InetAddress parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("no address");
    }
    var v4 = IPV4.matcher(text);
    if (v4.matches()) {
      byte[] bytes = new byte[4];
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(v4.group(i + 1));
        if (octet > 255) {
          throw new IllegalArgumentException("not an IP address: '" + text + "'");
        }
        bytes[i] = (byte) octet;
      }
      return byAddress(bytes, text);
    }
    if (IPV6.matcher(text).matches()) {
      try {
        // A string with a colon is only ever parsed as an IPv6 literal, never looked up.
        return InetAddress.getByName(text.startsWith("[") ? text : "[" + text + "]");
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("not an IP address: '" + text + "'");
      }
    }
    throw new IllegalArgumentException("not an IP address: '" + text + "'");
  }

  private static InetAddress byAddress(byte[] bytes, String text) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: '" + text + "'");
    }
  }
}
