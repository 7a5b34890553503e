package io.statehouse.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JFR recording's CPU samples went: by thread group, by method at the top of the stack
 * (self time), by method anywhere on the stack (inclusive time, Statehouse's own methods and the
 * libraries' entry points), and by what the work was for ({@link #AREAS}). Run on a recording of a
 * node under the turn load:
 *
 * <pre>java -cp … io.statehouse.bench.JfrProfile node.jfr [top=25]</pre>
 */
public final class JfrProfile {
  /**
   * What a sample's stack was doing, first match from the top of the stack down: each area names
   * the frames that mark it. A sample in none of them counts as "other".
   */
  static final Map<String, List<String>> AREAS = areas();

  private static final String JDK_OTHER = "JDK other";

  private final Map<String, Long> threads = new HashMap<>();
  private final Map<String, Long> self = new HashMap<>();
  private final Map<String, Long> inclusive = new HashMap<>();
  private final Map<String, Long> areas = new HashMap<>();
  private long samples;

  private JfrProfile() {}

  /**
   * {@code file [top=25] [callers=<method prefix>] [depth=12]}: with {@code callers}, the most
   * frequent stacks (their top {@code depth} frames, from the first frame that starts with the
   * prefix) instead of the report.
   */
  public static void main(String[] args) throws IOException {
    int top = 25;
    int depth = 12;
    String callers = null;
    for (String a : args) {
      if (a.startsWith("top=")) {
        top = Integer.parseInt(a.substring(4));
      } else if (a.startsWith("depth=")) {
        depth = Integer.parseInt(a.substring(6));
      } else if (a.startsWith("callers=")) {
        callers = a.substring(8);
      }
    }
    List<String> lines =
        callers == null
            ? report(Path.of(args[0]), top)
            : stacks(Path.of(args[0]), callers, depth, top);
    lines.forEach(System.out::println);
  }

  /** The most frequent stacks through a method whose name starts with {@code prefix}. */
  static List<String> stacks(Path file, String prefix, int depth, int top) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    long all = 0;
    long matched = 0;
    try (RecordingFile recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent e = recording.readEvent();
        if (!e.getEventType().getName().equals("jdk.ExecutionSample")
            || e.getStackTrace() == null) {
          continue;
        }
        all++;
        List<RecordedFrame> frames = e.getStackTrace().getFrames();
        int from = -1;
        for (int i = 0; i < frames.size() && from < 0; i++) {
          if (name(frames.get(i).getMethod()).startsWith(prefix)) {
            from = i;
          }
        }
        if (from < 0) {
          continue;
        }
        matched++;
        StringBuilder key = new StringBuilder();
        int start = Math.max(0, from - depth / 3);
        for (int i = start; i < Math.min(frames.size(), start + depth); i++) {
          key.append("\n      ")
              .append(i == from ? "> " : "  ")
              .append(name(frames.get(i).getMethod()));
        }
        counts.merge(key.toString(), 1L, Long::sum);
      }
    }
    List<String> out = new ArrayList<>();
    out.add(String.format("%d of %d samples go through %s", matched, all, prefix));
    long total = all;
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .forEach(
            e ->
                out.add(
                    String.format(
                        "  %5.1f%% %d%s", 100.0 * e.getValue() / total, e.getValue(), e.getKey())));
    return out;
  }

  /** The report's lines for the recording at {@code file}. */
  static List<String> report(Path file, int top) throws IOException {
    JfrProfile p = new JfrProfile();
    try (RecordingFile recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent e = recording.readEvent();
        if (e.getEventType().getName().equals("jdk.ExecutionSample")) {
          p.add(e);
        }
      }
    }
    List<String> out = new ArrayList<>();
    out.add(String.format("%d CPU samples in %s", p.samples, file.getFileName()));
    out.add("-- by thread group:");
    out.addAll(p.lines(p.threads, top));
    out.add("-- by what the work was for (first marker from the top of the stack):");
    out.addAll(p.lines(p.areas, top));
    out.add("-- self (method at the top of the stack):");
    out.addAll(p.lines(p.self, top));
    for (String[] own :
        new String[][] {{"Statehouse", "io.statehouse."}, {"Cassandra", "org.apache.cassandra."}}) {
      Map<String, Long> mine = filter(p.inclusive, m -> m.startsWith(own[1]) ? m : null);
      if (!mine.isEmpty()) {
        out.add("-- inclusive, " + own[0] + " methods:");
        out.addAll(p.lines(mine, top * 2));
      }
    }
    return out;
  }

  private void add(RecordedEvent e) {
    samples++;
    RecordedThread sampled = e.getThread("sampledThread");
    String thread = sampled == null ? "?" : sampled.getJavaName();
    threads.merge(threadGroup(thread), 1L, Long::sum);
    RecordedStackTrace stack = e.getStackTrace();
    if (stack == null || stack.getFrames().isEmpty()) {
      areas.merge("other", 1L, Long::sum);
      return;
    }
    List<RecordedFrame> frames = stack.getFrames();
    self.merge(name(frames.get(0).getMethod()), 1L, Long::sum);
    Set<String> seen = new HashSet<>();
    String area = null;
    boolean inJdk = false;
    for (RecordedFrame f : frames) {
      String m = name(f.getMethod());
      if (seen.add(m)) {
        inclusive.merge(m, 1L, Long::sum);
      }
      String a = area == null ? areaOf(m) : null;
      if (JDK_OTHER.equals(a)) {
        // a collection or string method counts for whoever called it
        inJdk = true;
      } else if (a != null) {
        area = a;
      }
    }
    areas.merge(area != null ? area : inJdk ? JDK_OTHER : "other", 1L, Long::sum);
  }

  private static String areaOf(String method) {
    for (Map.Entry<String, List<String>> a : AREAS.entrySet()) {
      for (String marker : a.getValue()) {
        if (method.startsWith(marker)) {
          return a.getKey();
        }
      }
    }
    return null;
  }

  private static Map<String, List<String>> areas() {
    Map<String, List<String>> a = new LinkedHashMap<>();
    a.put("hashing (SHA-256, HMAC)", List.of("sun.security.provider.", "com.sun.crypto.provider."));
    a.put(
        "CBOR / JSON (Jackson)",
        List.of("com.fasterxml.jackson.", "org.apache.pekko.serialization.jackson."));
    a.put("logging", List.of("ch.qos.logback.", "org.slf4j."));
    a.put("metrics / traces", List.of("io.prometheus.", "io.opentelemetry."));
    a.put("policy (CEL)", List.of("dev.cel.", "com.google.api.expr."));
    a.put("tokens (JOSE)", List.of("com.nimbusds."));
    a.put("Cassandra driver", List.of("com.datastax."));
    // the server's parts, for a recording of Cassandra itself (cassandraJfr=)
    a.put(
        "Cassandra metrics",
        List.of("org.apache.cassandra.metrics.", "com.codahale.", "org.apache.cassandra.utils.Ex"));
    a.put("Cassandra commit log", List.of("org.apache.cassandra.db.commitlog."));
    a.put(
        "Cassandra flush / compaction / sstables",
        List.of(
            "org.apache.cassandra.db.compaction.",
            "org.apache.cassandra.io.",
            "org.apache.cassandra.db.lifecycle."));
    a.put(
        "Cassandra memtable / partitions",
        List.of(
            "org.apache.cassandra.db.memtable.",
            "org.apache.cassandra.db.partitions.",
            "org.apache.cassandra.utils.btree.",
            "org.apache.cassandra.db.rows."));
    a.put(
        "Cassandra CQL / native transport",
        List.of("org.apache.cassandra.cql3.", "org.apache.cassandra.transport."));
    a.put("Cassandra other", List.of("org.apache.cassandra."));
    a.put("Netty", List.of("io.netty."));
    a.put("JDK HTTP client", List.of("jdk.internal.net.http."));
    a.put("Pekko HTTP", List.of("org.apache.pekko.http."));
    a.put("Pekko Persistence", List.of("org.apache.pekko.persistence."));
    a.put("Pekko Sharding", List.of("org.apache.pekko.cluster.sharding."));
    a.put("Pekko Streams", List.of("org.apache.pekko.stream."));
    a.put("Pekko actors / dispatch", List.of("org.apache.pekko."));
    a.put("Scala collections", List.of("scala."));
    a.put("Statehouse", List.of("io.statehouse."));
    a.put("JDK I/O (NIO)", List.of("sun.nio.", "java.nio."));
    a.put(JDK_OTHER, List.of("java.", "jdk.", "sun."));
    return a;
  }

  private static String threadGroup(String thread) {
    return thread.replaceAll("-?\\d+$", "").replaceAll("-\\d+-", "-N-");
  }

  private static String name(RecordedMethod m) {
    return m == null ? "?" : m.getType().getName() + "." + m.getName();
  }

  private static Map<String, Long> filter(Map<String, Long> counts, Function<String, String> keep) {
    Map<String, Long> out = new HashMap<>();
    counts.forEach(
        (k, v) -> {
          String key = keep.apply(k);
          if (key != null) {
            out.merge(key, v, Long::sum);
          }
        });
    return out;
  }

  private List<String> lines(Map<String, Long> counts, int top) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .map(
            e ->
                String.format(
                    "  %5.1f%%  %6d  %s", 100.0 * e.getValue() / samples, e.getValue(), e.getKey()))
        .toList();
  }
}
