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
  static final double CLOCK_TICK_MS = 10.0; // USER_HZ is 100 on Linux
  private final long cassandraPid;
  private final long[] otherPids;
  private final long[] otherStart;
  private final long[] otherTicks;
  private long nodeStart;
  private long cassandraStart;
  private long nodeNs;
  private long cassandraTicks;

  CpuTimes(long cassandraPid) {
    this(cassandraPid, new long[0]);
  }

  /** Also the CPU time of the processes {@code otherPids} (a node or a tool server of its own). */
  CpuTimes(long cassandraPid, long[] otherPids) {
    this.cassandraPid = cassandraPid;
    this.otherPids = otherPids.clone();
    this.otherStart = new long[otherPids.length];
    this.otherTicks = new long[otherPids.length];
  }

  void start() {
    nodeStart = nodeCpuNs();
    cassandraStart = cassandraTicks();
    for (int i = 0; i < otherPids.length; i++) {
      otherStart[i] = ticks(otherPids[i]);
    }
  }

  void stop() {
    nodeNs = nodeCpuNs() - nodeStart;
    cassandraTicks = cassandraTicks() - cassandraStart;
    for (int i = 0; i < otherPids.length; i++) {
      otherTicks[i] = ticks(otherPids[i]) - otherStart[i];
    }
  }

  /** The CPU time of each of the other processes over the window, in their order. */
  double[] othersMs() {
    double[] ms = new double[otherTicks.length];
    for (int i = 0; i < ms.length; i++) {
      ms[i] = otherTicks[i] * CLOCK_TICK_MS;
    }
    return ms;
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
    return ticks(cassandraPid);
  }

  /** utime + stime of process {@code pid} in clock ticks of {@link #CLOCK_TICK_MS}; 0 if gone. */
  static long ticks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (Exception e) {
      return 0;
    }
  }
}
