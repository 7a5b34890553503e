package io.statehouse.persistence.cassandra.launcher;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Best-effort answer to "who listens on this port?" for the port-clash message, from Linux
 * /proc/net/tcp{,6} and /proc/[pid]/fd. Only processes this user may inspect can be named.
 */
final class PortOwners {

  private static final String LISTEN = "0A";

  private PortOwners() {}

  /** " (pid 123: java -Xmx...)" or "" when the owner cannot be found. */
  static String describe(int port) {
    return ownerOf(port)
        .map(
            pid ->
                " (pid "
                    + pid
                    + ServerProcesses.commandLine(pid)
                        .map(argv -> ": " + abbreviate(String.join(" ", argv)))
                        .orElse("")
                    + ")")
        .orElse("");
  }

  static Optional<Long> ownerOf(int port) {
    Set<String> inodes = new HashSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      inodes.addAll(listeningInodes(Path.of(table), port));
    }
    if (inodes.isEmpty()) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path proc : procs) {
        if (holdsAny(proc.resolve("fd"), inodes)) {
          return Optional.of(Long.parseLong(proc.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static Set<String> listeningInodes(Path table, int port) {
    Set<String> inodes = new HashSet<>();
    String portHex = String.format(":%04X", port);
    try {
      for (String line : Files.readAllLines(table)) {
        String[] f = line.trim().split("\\s+");
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
        if (f.length > 9 && f[1].endsWith(portHex) && f[3].equals(LISTEN)) {
          inodes.add("socket:[" + f[9] + "]");
        }
      }
    } catch (IOException e) {
      // no such table (IPv6 off) or not Linux: nothing to report
    }
    return inodes;
  }

  private static boolean holdsAny(Path fdDir, Set<String> sockets) {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
      for (Path fd : fds) {
        try {
          if (sockets.contains(Files.readSymbolicLink(fd).toString())) {
            return true;
          }
        } catch (IOException e) {
          // the fd closed while we looked
        }
      }
    } catch (IOException e) {
      // another user's process, or it exited
    }
    return false;
  }

  private static String abbreviate(String commandLine) {
    return commandLine.length() <= 120 ? commandLine : commandLine.substring(0, 117) + "...";
  }
}
