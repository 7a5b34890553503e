package io.statehouse.runtime.tool.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Resolves a host name to all its addresses; blocking, so only called on the lookup pool. */
@FunctionalInterface
public interface HostResolver {
  /** The JDK's resolver, the same one (and the same cache) the HTTP client connects with. */
  HostResolver SYSTEM = InetAddress::getAllByName;

  InetAddress[] resolve(String host) throws UnknownHostException;
}
