package io.statehouse.persistence.cassandra.launcher;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process that looks like a leftover Cassandra to the launcher (its command line carries the main
 * class and storage dir flag) without being one, so leftover handling is tested in a second. Args:
 * the port to listen on (0 for none), then any tokens for the command line.
 */
public final class FakeServerProcess {

  private FakeServerProcess() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    if (port > 0) {
      ServerSocket socket = new ServerSocket();
      socket.bind(new InetSocketAddress(PortProbe.LOOPBACK, port));
      System.out.println("listening");
      System.out.flush();
      while (true) {
        socket.accept().close();
      }
    }
    System.out.println("sleeping");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** Starts one that claims to be the server of {@code layout}; returns once it is ready. */
  static Process start(BaseDirLayout layout, int port, String... extraTokens) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(FakeServerProcess.class.getName());
    command.add(Integer.toString(port));
    command.add(ServerCommand.storageDirFlag(layout));
    command.add(io.statehouse.cassandra.server.CassandraServerLayout.MAIN_CLASS);
    command.addAll(List.of(extraTokens));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getInputStream().read(); // first byte of "listening"/"sleeping": it is up
    return process;
  }
}
