package io.statehouse.persistence.cassandra.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Loopback ports no one is listening on, for tests that start their own servers. */
public final class FreePorts {

  private FreePorts() {}

  /**
   * {@code count} distinct free ports on 127.0.0.1. All sockets are open at once so the kernel
   * cannot hand out one port twice; another process may still take one before the caller binds it.
   */
  public static int[] pick(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket();
        sockets.add(socket);
        socket.bind(new InetSocketAddress(PortProbe.LOOPBACK, 0));
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free loopback ports", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException e) {
          // nothing to do: the port is released when the socket is collected
        }
      }
    }
  }
}
