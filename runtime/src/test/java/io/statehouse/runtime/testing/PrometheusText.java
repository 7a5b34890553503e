package io.statehouse.runtime.testing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests of {@code /metrics}. It
 * refuses what a Prometheus server would refuse or misread: a sample before its family's {@code #
 * TYPE}, a second HELP or TYPE, families split apart, bad names, bad label escaping, duplicate
 * series, and histograms whose buckets are not cumulative, lack {@code +Inf}, or disagree with
 * their {@code _count}, or that have no {@code _sum}.
 */
public final class PrometheusText {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES =
      Set.of("counter", "gauge", "histogram", "summary", "untyped");

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** One metric family: its TYPE, HELP and samples, in order. */
  public record Family(String name, String type, String help, List<Sample> samples) {}

  private final Map<String, Family> families;

  private PrometheusText(Map<String, Family> families) {
    this.families = families;
  }

  /** Parses {@code text}; throws {@link IllegalArgumentException} saying which line is wrong. */
  public static PrometheusText parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("the exposition must end with a line feed");
    }
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, String> helps = new LinkedHashMap<>();
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    Set<String> closed = new HashSet<>();
    Set<String> series = new HashSet<>();
    String current = null;
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      String where = "line " + n + " (" + line + "): ";
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
          String family = parts[2];
          requireName(family, where);
          if (closed.contains(family) || samples.containsKey(family)) {
            throw new IllegalArgumentException(where + parts[1] + " after the family's samples");
          }
          Map<String, String> target = parts[1].equals("HELP") ? helps : types;
          if (target.containsKey(family)) {
            throw new IllegalArgumentException(where + "a second " + parts[1] + " for " + family);
          }
          String rest = parts.length == 4 ? parts[3] : "";
          if (parts[1].equals("TYPE") && !TYPES.contains(rest)) {
            throw new IllegalArgumentException(where + "unknown type " + rest);
          }
          target.put(family, parts[1].equals("HELP") ? unescapeHelp(rest, where) : rest);
          if (current != null && !current.equals(family)) {
            closed.add(current);
          }
          current = family;
        }
        continue;
      }
      Sample s = sample(line, where);
      String family = familyOf(s.name(), types);
      if (family == null) {
        throw new IllegalArgumentException(where + "no # TYPE for " + s.name());
      }
      if (closed.contains(family)) {
        throw new IllegalArgumentException(where + "family " + family + " was split apart");
      }
      if (current != null && !current.equals(family)) {
        closed.add(current);
      }
      current = family;
      if (!series.add(s.name() + new TreeMap<>(s.labels()))) {
        throw new IllegalArgumentException(where + "a duplicate series");
      }
      samples.computeIfAbsent(family, k -> new ArrayList<>()).add(s);
    }
    Map<String, Family> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> t : types.entrySet()) {
      List<Sample> of = samples.getOrDefault(t.getKey(), List.of());
      Family f = new Family(t.getKey(), t.getValue(), helps.get(t.getKey()), List.copyOf(of));
      if (f.type().equals("histogram")) {
        checkHistogram(f);
      }
      out.put(f.name(), f);
    }
    return new PrometheusText(out);
  }

  public Map<String, Family> families() {
    return families;
  }

  public Family family(String name) {
    Family f = families.get(name);
    if (f == null) {
      throw new AssertionError("no metric family " + name + " in " + families.keySet());
    }
    return f;
  }

  /**
   * The value of the sample {@code name} whose labels include {@code labels} (name, value pairs);
   * null when there is none. Fails when several match.
   */
  public Double value(String name, String... labels) {
    List<Sample> found = samples(name, labels);
    if (found.size() > 1) {
      throw new AssertionError("several samples " + name + " match: " + found);
    }
    return found.isEmpty() ? null : found.get(0).value();
  }

  /** The samples {@code name} whose labels include {@code labels} (name, value pairs). */
  public List<Sample> samples(String name, String... labels) {
    List<Sample> out = new ArrayList<>();
    for (Family f : families.values()) {
      for (Sample s : f.samples()) {
        if (s.name().equals(name) && hasLabels(s, labels)) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static boolean hasLabels(Sample s, String... labels) {
    for (int i = 0; i + 1 < labels.length; i += 2) {
      if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
        return false;
      }
    }
    return true;
  }

  private static String familyOf(String sample, Map<String, String> types) {
    if (types.containsKey(sample)) {
      return sample;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum", "_created", "_total")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        String type = types.get(base);
        if (type != null && (type.equals("histogram") || type.equals("summary"))) {
          return base;
        }
      }
    }
    return null;
  }

  private static void requireName(String name, String where) {
    if (!METRIC_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(where + "invalid metric name " + name);
    }
  }

  private static Sample sample(String line, String where) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    requireName(name, where);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (i >= line.length()) {
          throw new IllegalArgumentException(where + "unterminated labels");
        }
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int eq = line.indexOf('=', i);
        if (eq < 0) {
          throw new IllegalArgumentException(where + "a label without '='");
        }
        String label = line.substring(i, eq);
        if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
          throw new IllegalArgumentException(where + "invalid label name " + label);
        }
        if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
          throw new IllegalArgumentException(where + "label " + label + " is not quoted");
        }
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        while (true) {
          if (j >= line.length()) {
            throw new IllegalArgumentException(where + "unterminated label value");
          }
          char c = line.charAt(j);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            if (j + 1 >= line.length()) {
              throw new IllegalArgumentException(where + "a dangling escape");
            }
            char e = line.charAt(j + 1);
            switch (e) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw new IllegalArgumentException(where + "invalid escape \\" + e);
            }
            j += 2;
          } else {
            value.append(c);
            j++;
          }
        }
        if (labels.put(label, value.toString()) != null) {
          throw new IllegalArgumentException(where + "label " + label + " twice");
        }
        i = j + 1;
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        } else if (i >= line.length() || line.charAt(i) != '}') {
          throw new IllegalArgumentException(where + "labels must be separated by ','");
        }
      }
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new IllegalArgumentException(where + "no value");
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length < 1 || rest.length > 2) {
      throw new IllegalArgumentException(where + "expected a value and an optional timestamp");
    }
    double value = number(rest[0], where);
    if (rest.length == 2) {
      try {
        Long.parseLong(rest[1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + "invalid timestamp " + rest[1], e);
      }
    }
    return new Sample(name, Map.copyOf(labels), value);
  }

  private static double number(String s, String where) {
    switch (s) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(s);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(where + "invalid value " + s, e);
        }
    }
  }

  private static String unescapeHelp(String help, String where) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < help.length(); i++) {
      char c = help.charAt(i);
      if (c == '\\') {
        if (i + 1 >= help.length()) {
          throw new IllegalArgumentException(where + "a dangling escape in HELP");
        }
        char e = help.charAt(++i);
        switch (e) {
          case '\\' -> b.append('\\');
          case 'n' -> b.append('\n');
          default -> throw new IllegalArgumentException(where + "invalid escape in HELP \\" + e);
        }
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** Per series (labels without {@code le}): cumulative buckets ending at +Inf = _count; a _sum. */
  private static void checkHistogram(Family f) {
    Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
    Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
    Set<Map<String, String>> sums = new HashSet<>();
    for (Sample s : f.samples()) {
      if (s.name().equals(f.name() + "_bucket")) {
        if (!s.labels().containsKey("le")) {
          throw new IllegalArgumentException(f.name() + ": a bucket without le");
        }
        Map<String, String> series = new TreeMap<>(s.labels());
        series.remove("le");
        buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
      } else if (s.name().equals(f.name() + "_count")) {
        counts.put(new TreeMap<>(s.labels()), s.value());
      } else if (s.name().equals(f.name() + "_sum")) {
        sums.add(new TreeMap<>(s.labels()));
      } else if (!s.name().equals(f.name() + "_created")) {
        throw new IllegalArgumentException(f.name() + ": unexpected sample " + s.name());
      }
    }
    for (Map.Entry<Map<String, String>, List<Sample>> e : buckets.entrySet()) {
      double le = Double.NEGATIVE_INFINITY;
      double count = 0;
      for (Sample b : e.getValue()) {
        double bound = number(b.labels().get("le"), f.name() + " le: ");
        if (bound <= le) {
          throw new IllegalArgumentException(f.name() + e.getKey() + ": buckets out of order");
        }
        if (b.value() < count) {
          throw new IllegalArgumentException(f.name() + e.getKey() + ": buckets not cumulative");
        }
        le = bound;
        count = b.value();
      }
      if (le != Double.POSITIVE_INFINITY) {
        throw new IllegalArgumentException(f.name() + e.getKey() + ": no +Inf bucket");
      }
      Double total = counts.get(e.getKey());
      if (total == null || total != count) {
        throw new IllegalArgumentException(
            f.name() + e.getKey() + ": _count " + total + " is not the +Inf bucket " + count);
      }
      if (!sums.contains(e.getKey())) {
        throw new IllegalArgumentException(f.name() + e.getKey() + ": no _sum");
      }
    }
    if (!counts.keySet().equals(buckets.keySet())) {
      throw new IllegalArgumentException(f.name() + ": a _count without buckets");
    }
  }
}
