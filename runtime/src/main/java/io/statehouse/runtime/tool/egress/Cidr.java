package io.statehouse.runtime.tool.egress;

import java.net.InetAddress;
import java.util.Arrays;

/** A block of addresses, {@code 10.0.0.0/8} or {@code fe80::/10}; a bare address is one host. */
final class Cidr {
  private final byte[] network;
  private final int prefix;
  private final String text;

  private Cidr(byte[] network, int prefix, String text) {
    this.network = network;
    this.prefix = prefix;
    this.text = text;
  }

  /** Parses config text; never looks a name up. */
  static Cidr parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String addressPart = slash < 0 ? t : t.substring(0, slash);
    InetAddress address =
        IpLiterals.strict(addressPart)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "'" + text + "' is not a CIDR block like 10.0.0.0/8 or fd00::/8"));
    byte[] bytes = address.getAddress();
    int max = bytes.length * 8;
    int prefix;
    try {
      prefix = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has no prefix length after /", e);
    }
    if (prefix < 0 || prefix > max) {
      throw new IllegalArgumentException("'" + text + "': the prefix length must be 0 to " + max);
    }
    byte[] network = mask(bytes, prefix);
    if (!Arrays.equals(network, bytes)) {
      // almost always a typo (10.1.2.3/8 for 10.1.2.3/32?): refuse rather than guess
      throw new IllegalArgumentException(
          "'"
              + text
              + "' has bits set past its prefix; the block is "
              + IpLiterals.fromBytes(network).getHostAddress()
              + "/"
              + prefix);
    }
    return new Cidr(network, prefix, t);
  }

  boolean contains(InetAddress address) {
    byte[] b = address.getAddress();
    return b.length == network.length && Arrays.equals(mask(b, prefix), network);
  }

  /** Whether every address of this block is in {@code other}. */
  boolean within(Cidr other) {
    return network.length == other.network.length
        && prefix >= other.prefix
        && Arrays.equals(mask(network, other.prefix), other.network);
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      int bits = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] = (byte) (bytes[i] & (0xFF << (8 - bits)));
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefix;
  }

  @Override
  public String toString() {
    return text;
  }
}
