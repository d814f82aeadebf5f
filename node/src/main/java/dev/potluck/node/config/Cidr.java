package dev.potluck.node.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address block such as {@code 10.1.0.0/16} or {@code fd00::/8}; a bare address is a block of one. */
public record Cidr(byte[] network, int prefixLength) {

  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    String addressPart = slash < 0 ? text : text.substring(0, slash);
    byte[] address;
    try {
      address = IpLiteral.parse(addressPart).getAddress();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an address block: '" + text + "' (example: 192.168.1.0/24)");
    }
    int bits = address.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad prefix length in '" + text + "'");
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("prefix length must be 0-" + bits + " in '" + text + "'");
      }
    }
    return new Cidr(address, prefix);
  }

  public boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    if (candidate.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (candidate[full] & mask) == (network[full] & mask);
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr other && prefixLength == other.prefixLength && java.util.Arrays.equals(network, other.network);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(network) + prefixLength;
  }
}
