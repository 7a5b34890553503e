package io.statehouse.cassandra.server;

import org.apache.cassandra.service.CassandraDaemon;

/**
 * Main class of the Cassandra child JVM: Cassandra, plus an optional watch on the process that
 * started it.
 *
 * <p>The launcher runs Cassandra in its own session (setsid) so a Ctrl-C aimed at the node does not
 * hit Cassandra too. The price is that nothing stops Cassandra when the node dies; with {@code
 * -Dstatehouse.parent-pid=<pid>} this class exits when that process is gone. It uses System.exit
 * rather than halt so Cassandra's own shutdown hook drains and flushes first.
 */
public final class ParentWatchingMain {

  private ParentWatchingMain() {}

  public static void main(String[] args) {
    String parentPid = System.getProperty(CassandraServerLayout.PARENT_PID_PROPERTY);
    if (parentPid != null && !parentPid.isBlank()) {
      watch(Long.parseLong(parentPid.trim()));
    }
    CassandraDaemon.main(args);
  }

  private static void watch(long pid) {
    // A parent that is already gone (died while this JVM was starting) means nobody wants us.
    ProcessHandle parent = ProcessHandle.of(pid).orElse(null);
    if (parent == null || !parent.isAlive()) {
      System.err.println("statehouse: parent process " + pid + " is gone; not starting Cassandra");
      System.exit(0);
    }
    parent
        .onExit()
        .thenRun(
            () -> {
              System.err.println(
                  "statehouse: parent process " + pid + " exited; stopping Cassandra");
              System.exit(0);
            });
  }
}
