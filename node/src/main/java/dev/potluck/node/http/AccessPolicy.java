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
