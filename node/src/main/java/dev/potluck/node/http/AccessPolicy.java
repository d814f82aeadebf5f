package dev.potluck.node.http;

import dev.potluck.node.config.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Who may use the client listener: loopback always, other addresses only inside a configured block. */
public final class AccessPolicy {

  private final List<Cidr> allowed;

  public AccessPolicy(List<Cidr> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  public boolean allows(String hostAddress) {
    if (hostAddress == null || !hostAddress.matches("[0-9a-fA-F:.%]+")) {
      return false;
    }
    InetAddress address;
    try {
      // A literal address never triggers a DNS look-up.
      address = InetAddress.getByName(hostAddress);
    } catch (UnknownHostException e) {
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
