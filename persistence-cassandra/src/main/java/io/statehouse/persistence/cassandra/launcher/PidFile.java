package io.statehouse.persistence.cassandra.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the launcher remembers about the Cassandra it started in a base dir, so the next start can
 * adopt it or clean up after it.
 *
 * <p>Format: UTF-8 {@code key=value} lines ({@code pid}, {@code cql-port}, {@code storage-port},
 * {@code started-at} as an ISO-8601 instant); lines starting with {@code #} are comments.
 */
record PidFile(long pid, int cqlPort, int storagePort, Instant startedAt) {

  /** The recorded server, or empty when there is no file. */
  static Optional<PidFile> read(Path file) {
    try {
      return Optional.of(parse(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * @throws IllegalArgumentException when a key is missing or a value is malformed (for example a
   *     file cut short by a crash while it was written)
   */
  static PidFile parse(String text) {
    Map<String, String> values = new HashMap<>();
    for (String line : text.split("\n")) {
      String trimmed = line.trim();
      int eq = trimmed.indexOf('=');
      if (trimmed.isEmpty() || trimmed.startsWith("#") || eq < 0) {
        continue;
      }
      values.put(trimmed.substring(0, eq).trim(), trimmed.substring(eq + 1).trim());
    }
    try {
      return new PidFile(
          Long.parseLong(required(values, "pid")),
          Integer.parseInt(required(values, "cql-port")),
          Integer.parseInt(required(values, "storage-port")),
          Instant.parse(required(values, "started-at")));
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException("malformed pid file: " + e.getMessage(), e);
    }
  }

  String render() {
    return "# Cassandra started by the Statehouse launcher; the next start adopts or replaces it\n"
        + "pid="
        + pid
        + "\n"
        + "cql-port="
        + cqlPort
        + "\n"
        + "storage-port="
        + storagePort
        + "\n"
        + "started-at="
        + startedAt
        + "\n";
  }

  /** Writes via a temporary file and a rename so a crash never leaves half a pid file. */
  void write(Path file) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, render(), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Deletes the file if it still names {@code pid}: a newer launcher may have replaced it. */
  static void deleteIfNames(Path file, long pid) {
    boolean ours;
    try {
      ours = read(file).map(p -> p.pid() == pid).orElse(false);
    } catch (IllegalArgumentException e) {
      ours = true; // unreadable: no one can use it
    }
    if (ours) {
      delete(file);
    }
  }

  static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file, e);
    }
  }

  private static String required(Map<String, String> values, String key) {
    String value = values.get(key);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("pid file has no '" + key + "'");
    }
    return value;
  }
}
