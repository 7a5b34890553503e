package io.statehouse.persistence.cassandra.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;

/** Checks on the loopback ports Cassandra binds. */
final class PortProbe {

  static final InetAddress LOOPBACK = loopback();

  /** One connect attempt; a listening local port answers in microseconds. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);

  private PortProbe() {}

  /**
   * Whether Cassandra could bind {@code port} on 127.0.0.1 right now. SO_REUSEADDR is on, as in
   * Cassandra's netty, so a port left in TIME_WAIT by a stopped server counts as free, while any
   * listener, on 127.0.0.1 or on 0.0.0.0, counts as taken.
   */
  static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(LOOPBACK, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether something accepts TCP connections on 127.0.0.1:{@code port}. */
  static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(LOOPBACK, port), (int) CONNECT_TIMEOUT.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Fails with a message naming the port and the setting that moves it, if either port is taken.
   */
  static void requireFree(CassandraSettings settings) {
    requireFree("CQL", settings.cqlPort(), "cql-port", "STATEHOUSE_CASSANDRA_CQL_PORT", settings);
    requireFree(
        "storage",
        settings.storagePort(),
        "storage-port",
        "STATEHOUSE_CASSANDRA_STORAGE_PORT",
        settings);
  }

  private static void requireFree(
      String what, int port, String key, String env, CassandraSettings settings) {
    if (!isFree(port)) {
      throw new CassandraLaunchException(
          String.format(
              "Cannot start Cassandra for %s: the %s port 127.0.0.1:%d is already in use by another"
                  + " process%s (not a Cassandra this launcher started in that base dir). Stop that"
                  + " process, or choose another port with %s.%s (env %s).",
              settings.baseDir(),
              what,
              port,
              PortOwners.describe(port),
              CassandraSettings.CONFIG_PATH,
              key,
              env));
    }
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new IllegalStateException("a 4-byte address is always valid", e);
    }
  }
}
