package io.statehouse.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a process on this machine holds, read from /proc and with jcmd: its open file descriptors,
 * its limit on them, and its heap in use after a full GC.
 */
final class ProcessProbe {
  // the lines of GC.heap_info that describe the heap's spaces (G1, Parallel, Serial)
  private static final Pattern SPACE =
      Pattern.compile(
          "^\\s*(garbage-first heap|PSYoungGen|ParOldGen|def new generation|tenured generation)"
              + "\\s+total \\d+K, used (\\d+)K",
          Pattern.MULTILINE);

  // "   1:        123456       7890123  [B (java.base@17.0.15)": instances, bytes, class
  private static final Pattern HISTOGRAM_ROW =
      Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)", Pattern.MULTILINE);

  private ProcessProbe() {}

  /** What a clock tick of /proc's CPU times is worth: USER_HZ is 100 on Linux. */
  static final double TICK_MS = 10.0;

  /**
   * CPU time, in clock ticks, of this JVM's threads whose names (/proc's, 15 characters at most)
   * start with one of {@code prefixes}: threads the JVM does not list to Java, such as the JIT
   * compiler's.
   */
  static long threadTicks(String... prefixes) {
    long ticks = 0;
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        try {
          String name = Files.readString(task.resolve("comm")).trim();
          if (Stream.of(prefixes).anyMatch(name::startsWith)) {
            String stat = Files.readString(task.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
          }
        } catch (IOException gone) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return ticks;
  }

  /** Open file descriptors of {@code pid} (sockets, files, pipes). */
  static long openFds(long pid) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.count();
    }
  }

  /** The soft limit on open files of {@code pid} ("Max open files" in /proc/pid/limits). */
  static long fdLimit(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits"))) {
      if (line.startsWith("Max open files")) {
        String[] f = line.substring("Max open files".length()).trim().split("\\s+");
        return f[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[0]);
      }
    }
    throw new IOException("no open-files limit for " + pid);
  }

  /**
   * Heap in use by JVM {@code pid} after a full GC, in bytes: the least of {@code rounds} readings,
   * each after {@code jcmd GC.run} and a pause (what finalizers and reference queues free shows up
   * in the next round).
   */
  static long heapAfterGc(long pid, int rounds) throws IOException, InterruptedException {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < rounds; i++) {
      jcmd(pid, "GC.run");
      Thread.sleep(500);
      String info = jcmd(pid, "GC.heap_info");
      Matcher m = SPACE.matcher(info);
      long usedK = 0;
      boolean found = false;
      while (m.find()) {
        usedK += Long.parseLong(m.group(2));
        found = true;
      }
      if (!found) {
        throw new IOException("cannot read the heap of " + pid + " from: " + info);
      }
      least = Math.min(least, usedK * 1024);
    }
    return least;
  }

  /** Live bytes and instances per class of JVM {@code pid} (jcmd GC.class_histogram: a full GC). */
  static Map<String, long[]> histogram(long pid) throws IOException, InterruptedException {
    Map<String, long[]> out = new HashMap<>();
    Matcher m = HISTOGRAM_ROW.matcher(jcmd(pid, "GC.class_histogram"));
    while (m.find()) {
      out.put(m.group(3), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(1))});
    }
    return out;
  }

  /**
   * The {@code top} classes whose live bytes grew most from {@code before} to {@code after}, as
   * "class bytes-per-unit (instances per unit)", per {@code units} (connections, say).
   */
  static String growth(Map<String, long[]> before, Map<String, long[]> after, int units, int top) {
    return after.entrySet().stream()
        .map(
            e -> {
              long[] b = before.getOrDefault(e.getKey(), new long[2]);
              return Map.entry(
                  e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
            })
        .sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]))
        .limit(top)
        .map(
            e ->
                String.format(
                    "%s %.1f KiB (%.1f)",
                    e.getKey(),
                    e.getValue()[0] / 1024.0 / Math.max(1, units),
                    e.getValue()[1] / (double) Math.max(1, units)))
        .collect(Collectors.joining(", "));
  }

  /** {@code jcmd pid command}, for a harness step that cannot throw checked exceptions. */
  static String run(long pid, String command) {
    try {
      return jcmd(pid, command);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(
                List.of(
                    Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd",
                    Long.toString(pid),
                    command))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("jcmd " + pid + " " + command + " failed: " + out);
    }
    return out;
  }
}
