package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreePortsTest {

  @Test
  void portsArePickedBelowTheRangeTheKernelUsesForOutgoingConnections() throws IOException {
    int low = FreePorts.ephemeralLow(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
    int[] ports = FreePorts.pick(8);
    for (int port : ports) {
      assertTrue(port >= FreePorts.LOWEST && port < low, port + " outside 20000-" + (low - 1));
    }
    // an outgoing connection's local port is in the ephemeral range, so it can never take one
    try (ServerSocket server = new ServerSocket(0, 1, PortProbe.LOOPBACK);
        Socket client = new Socket()) {
      client.connect(new InetSocketAddress(PortProbe.LOOPBACK, server.getLocalPort()));
      assertTrue(client.getLocalPort() >= low, "the kernel's range starts at " + low);
    }
  }

  @Test
  void aPortIsNeverHandedOutTwiceSoAStoppedServerCanRestartOnIt() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      for (int port : FreePorts.pick(4)) {
        assertTrue(seen.add(port), "port " + port + " handed out twice");
      }
    }
    assertEquals(200, seen.size());
  }

  @Test
  void aPortSomeoneListensOnIsNotHandedOut() throws IOException {
    try (ServerSocket listener = new ServerSocket(0, 1, PortProbe.LOOPBACK)) {
      int taken = listener.getLocalPort();
      UncheckedIOException none =
          assertThrows(UncheckedIOException.class, () -> FreePorts.pick(1, taken, taken + 1));
      assertTrue(none.getCause().getMessage().contains("only 0 of 1"), none.getMessage());
    }
  }

  @Test
  void anUnreadableOrNarrowRangeFallsBackToLinuxsDefault(@TempDir Path dir) throws IOException {
    assertEquals(32_768, FreePorts.ephemeralLow(dir.resolve("missing")));
    Path narrow = Files.writeString(dir.resolve("narrow"), "1024\t65535\n");
    assertEquals(32_768, FreePorts.ephemeralLow(narrow));
    Path wide = Files.writeString(dir.resolve("wide"), "40000\t60999\n");
    assertEquals(40_000, FreePorts.ephemeralLow(wide));
  }
}
