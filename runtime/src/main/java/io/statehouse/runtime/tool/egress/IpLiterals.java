package io.statehouse.runtime.tool.egress;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * IP address literals read without ever asking DNS: the strict forms config uses, and every form a
 * URL host could take that some resolver reads as an address ({@code 2852039166}, {@code
 * 0251.0376.0251.0376}, {@code 0xa9fea9fe}, {@code 169.254.43518}, {@code [::ffff:a9fe:a9fe]}).
 */
final class IpLiterals {
  private static final Pattern DOTTED_QUAD =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
  private static final Pattern NUMERIC_PARTS =
      Pattern.compile("[0-9A-Fa-fXx]+(\\.[0-9A-Fa-fXx]+){0,3}");

  private IpLiterals() {}

  /** A dotted quad or an IPv6 address (brackets optional); empty for anything else. */
  static Optional<InetAddress> strict(String text) {
    if (DOTTED_QUAD.matcher(text).matches()) {
      return Optional.of(fromBytes(ipv4Bytes(text)));
    }
    String inner =
        text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (inner.contains(":") && IPV6_CHARS.matcher(inner).matches()) {
      try {
        // with brackets the JDK parses an IPv6 literal or fails; it never looks the text up
        return Optional.of(InetAddress.getByName("[" + inner + "]"));
      } catch (UnknownHostException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * Every address a URL host may stand for when read as a literal: the JDK's reading (decimal
   * parts) and the C library's ({@code inet_aton}: octal with a leading 0, hex with 0x), both with
   * one to four parts. Empty when the host is a name.
   */
  static List<InetAddress> hostCandidates(String host) {
    Set<InetAddress> out = new LinkedHashSet<>();
    if (host.startsWith("[") || host.contains(":")) {
      strict(host).ifPresent(out::add);
      return List.copyOf(out);
    }
    if (!NUMERIC_PARTS.matcher(host).matches()) {
      return List.of();
    }
    String[] parts = host.split("\\.", -1);
    for (boolean cStyle : new boolean[] {false, true}) {
      long[] values = new long[parts.length];
      boolean ok = true;
      for (int i = 0; i < parts.length && ok; i++) {
        values[i] = number(parts[i], cStyle);
        ok = values[i] >= 0;
      }
      if (ok) {
        byte[] bytes = combine(values);
        if (bytes != null) {
          out.add(fromBytes(bytes));
        }
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * The IPv4 address carried inside an IPv6 one that reaches it: IPv4-compatible ({@code
   * ::a.b.c.d}), NAT64 ({@code 64:ff9b::/96}) and IPv4-translated ({@code ::ffff:0:a.b.c.d}). The
   * JDK already turns IPv4-mapped ({@code ::ffff:a.b.c.d}) addresses into IPv4 ones.
   */
  static Optional<InetAddress> embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return Optional.empty();
    }
    byte[] b = address.getAddress();
    boolean compatible = allZero(b, 0, 12);
    boolean nat64 =
        b[0] == 0x00
            && b[1] == 0x64
            && b[2] == (byte) 0xff
            && b[3] == (byte) 0x9b
            && allZero(b, 4, 12);
    boolean translated =
        allZero(b, 0, 8) && b[8] == (byte) 0xff && b[9] == (byte) 0xff && b[10] == 0 && b[11] == 0;
    if (compatible && allZero(b, 12, 15) && (b[15] == 0 || b[15] == 1)) {
      return Optional.empty(); // :: and ::1 are themselves
    }
    if (compatible || nat64 || translated) {
      byte[] v4 = new byte[] {b[12], b[13], b[14], b[15]};
      return Optional.of(fromBytes(v4));
    }
    return Optional.empty();
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** A part's value, or -1 when it is not a number in this reading. */
  private static long number(String part, boolean cStyle) {
    if (part.isEmpty() || part.length() > 12) {
      return -1;
    }
    try {
      if (cStyle && (part.startsWith("0x") || part.startsWith("0X"))) {
        return part.length() == 2 ? 0 : Long.parseLong(part.substring(2), 16);
      }
      if (cStyle && part.length() > 1 && part.startsWith("0")) {
        return Long.parseLong(part.substring(1), 8);
      }
      return Long.parseLong(part, 10);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** a, a.b (8.24 bits), a.b.c (8.8.16 bits), a.b.c.d; null when a part is too large. */
  private static byte[] combine(long[] v) {
    long value;
    switch (v.length) {
      case 1 -> {
        if (v[0] > 0xFFFFFFFFL) {
          return null;
        }
        value = v[0];
      }
      case 2 -> {
        if (v[0] > 0xFF || v[1] > 0xFFFFFFL) {
          return null;
        }
        value = (v[0] << 24) | v[1];
      }
      case 3 -> {
        if (v[0] > 0xFF || v[1] > 0xFF || v[2] > 0xFFFF) {
          return null;
        }
        value = (v[0] << 24) | (v[1] << 16) | v[2];
      }
      default -> {
        for (long part : v) {
          if (part > 0xFF) {
            return null;
          }
        }
        value = (v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3];
      }
    }
    return new byte[] {
      (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
    };
  }

  private static byte[] ipv4Bytes(String dottedQuad) {
    String[] parts = dottedQuad.split("\\.");
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      b[i] = (byte) Integer.parseInt(parts[i]);
    }
    return b;
  }

  static InetAddress fromBytes(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("an address has 4 or 16 bytes", e);
    }
  }
}
