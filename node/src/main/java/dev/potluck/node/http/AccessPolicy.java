package dev.potluck.node.http;

import dev.potluck.node.config.Cidr;
import dev.potluck.node.config.IpLiteral;
import java.net.InetAddress;
import java.util.List;

/** Who may use the client listener: loopback always, other addresses only inside a configured block. */
public final class AccessPolicy {

  private final List<Cidr> allowed;

  public AccessPolicy(List<Cidr> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  /** Whether {@code hostAddress} is a loopback address (a client on this host). */
  public static boolean isLoopback(String hostAddress) {
    try {
      return IpLiteral.parse(hostAddress).isLoopbackAddress();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public boolean allows(String hostAddress) {
    InetAddress address;
    try {
      address = IpLiteral.parse(hostAddress);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (address.isLoopbackAddress()) {
      return true;
    }
    for (Cidr cidr : allowed) {
      if (cidr.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
