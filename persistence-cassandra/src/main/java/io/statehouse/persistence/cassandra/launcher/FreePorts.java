package io.statehouse.persistence.cassandra.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports no one is listening on, for tests that start their own servers.
 *
 * <p>Ports are picked below the kernel's ephemeral range. A port the kernel hands out for {@code
 * bind(0)} lies in that range, and so does the local port of every outgoing connection: between the
 * pick and the server's bind (a node starting, a node restarted on its old port), a connection to
 * Cassandra or to a test server could take it. A port below the range is never taken that way.
 */
public final class FreePorts {

  /** The lowest port handed out: clear of the well-known and most registered services. */
  static final int LOWEST = 20_000;

  /** Linux's default, used where the kernel's range cannot be read (other systems start higher). */
  private static final int DEFAULT_EPHEMERAL_LOW = 32_768;

  /** Ports this JVM has handed out; never handed out twice, as a stopped server may restart. */
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private FreePorts() {}

  /**
   * {@code count} distinct free ports on 127.0.0.1, below the ephemeral range and not handed out
   * before by this JVM. Another process may still bind one before the caller does.
   */
  public static int[] pick(int count) {
    return pick(count, LOWEST, ephemeralLow(Path.of("/proc/sys/net/ipv4/ip_local_port_range")));
  }

  /** {@code count} free ports from {@code low} (inclusive) to {@code high} (exclusive). */
  static synchronized int[] pick(int count, int low, int high) {
    int[] ports = new int[count];
    int span = high - low;
    int start = ThreadLocalRandom.current().nextInt(span);
    int found = 0;
    for (int i = 0; i < span && found < count; i++) {
      int port = low + (start + i) % span;
      if (!HANDED_OUT.contains(port) && PortProbe.isFree(port)) {
        ports[found++] = port;
      }
    }
    if (found < count) {
      throw new UncheckedIOException(
          "cannot find free loopback ports",
          new IOException(
              "only " + found + " of " + count + " ports free in " + low + "-" + (high - 1)));
    }
    for (int port : ports) {
      HANDED_OUT.add(port);
    }
    return ports;
  }

  /**
   * The first port of the kernel's ephemeral range, from {@code rangeFile} ({@code low high}); the
   * Linux default where it cannot be read or leaves too little room below it.
   */
  static int ephemeralLow(Path rangeFile) {
    try {
      String[] range = Files.readString(rangeFile).trim().split("\\s+");
      int low = Integer.parseInt(range[0]);
      return low >= LOWEST + 1_000 ? low : DEFAULT_EPHEMERAL_LOW;
    } catch (IOException | RuntimeException e) {
      return DEFAULT_EPHEMERAL_LOW;
    }
  }
}
