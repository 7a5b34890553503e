package io.statehouse.runtime.tool.egress;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Addresses no tool call reaches unless config allows them explicitly, with an allow-cidrs block
 * inside the range (a broad {@code 0.0.0.0/0} does not count). Cloud metadata is never reachable.
 */
enum Restricted {
  METADATA("cloud metadata", "169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32"),
  LINK_LOCAL("a link-local address", "169.254.0.0/16", "fe80::/10"),
  LOOPBACK("a loopback address", "127.0.0.0/8", "::1/128"),
  // 0.0.0.0 reaches the local host on Linux
  UNSPECIFIED("an unspecified address", "0.0.0.0/8", "::/128"),
  MULTICAST("a multicast address", "224.0.0.0/4", "ff00::/8"),
  BROADCAST("the broadcast address", "255.255.255.255/32");

  /** Host names of metadata services; never reachable either. */
  static final List<String> METADATA_HOSTS = List.of("metadata.google.internal", "metadata.goog");

  final String why;
  final List<Cidr> ranges;

  Restricted(String why, String... ranges) {
    this.why = why;
    this.ranges = List.of(ranges).stream().map(Cidr::parse).toList();
  }

  /** The first restricted range holding {@code address}, metadata first. */
  static Optional<Range> of(InetAddress address) {
    for (Restricted r : values()) {
      for (Cidr c : r.ranges) {
        if (c.contains(address)) {
          return Optional.of(new Range(r, c));
        }
      }
    }
    return Optional.empty();
  }

  record Range(Restricted kind, Cidr cidr) {}
}
