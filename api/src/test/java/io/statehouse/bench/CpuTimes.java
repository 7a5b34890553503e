package io.statehouse.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used by this JVM (the node, the load generator and the tool server) and by the Cassandra
 * process over a window, read from the JVM and from /proc.
 */
final class CpuTimes {
  private static final double CLOCK_TICK_MS = 10.0; // USER_HZ is 100 on Linux
  private final long cassandraPid;
  private long nodeStart;
  private long cassandraStart;
  private long nodeNs;
  private long cassandraTicks;

  CpuTimes(long cassandraPid) {
    this.cassandraPid = cassandraPid;
  }

  void start() {
    nodeStart = nodeCpuNs();
    cassandraStart = cassandraTicks();
  }

  void stop() {
    nodeNs = nodeCpuNs() - nodeStart;
    cassandraTicks = cassandraTicks() - cassandraStart;
  }

  double nodeMs() {
    return nodeNs / 1e6;
  }

  double cassandraMs() {
    return cassandraTicks * CLOCK_TICK_MS;
  }

  private static long nodeCpuNs() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * utime + stime of the Cassandra process, in clock ticks (fields 14 and 15 of /proc/pid/stat).
   */
  private long cassandraTicks() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(cassandraPid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (Exception e) {
      return 0;
    }
  }
}
