package io.statehouse.runtime.tool.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Lookups off the caller's thread, bounded, with a fake DNS. */
class EgressGuardTest {
  private static final Config CONFIG =
      ConfigFactory.parseString(
              "statehouse.egress.lookup { threads = 1, queue = 1, timeout = 300ms }")
          .withFallback(ConfigFactory.defaultReference())
          .resolve();

  private static HostResolver dns(Map<String, List<String>> records) {
    return host -> {
      List<String> addresses = records.get(host);
      if (addresses == null) {
        throw new UnknownHostException(host);
      }
      return addresses.stream()
          .map(a -> IpLiterals.strict(a).orElseThrow())
          .toArray(InetAddress[]::new);
    };
  }

  /** A guard whose resolver answers {@code address} for any name and counts its lookups. */
  private static EgressGuard counting(AtomicInteger lookups, InetAddress address) {
    return EgressGuard.fromConfig(
        CONFIG,
        NodePorts.none(),
        host -> {
          lookups.incrementAndGet();
          return new InetAddress[] {address};
        });
  }

  private static Admission admit(EgressGuard guard, String url) throws Exception {
    return guard.admit("acme", URI.create(url)).get(5, TimeUnit.SECONDS);
  }

  @Test
  void aNameThatResolvesToMetadataIsRefusedAfterTheLookup() throws Exception {
    EgressGuard guard =
        EgressGuard.fromConfig(
            CONFIG,
            NodePorts.none(),
            dns(Map.of("rebind.test", List.of("169.254.169.254"), "ok.test", List.of("8.8.8.8"))));

    Admission.Refused refused =
        assertInstanceOf(Admission.Refused.class, admit(guard, "http://rebind.test/"));

    assertEquals(
        "rebind.test is not allowed by the egress policy of tenant acme (resolves to cloud"
            + " metadata)",
        refused.message());
    assertInstanceOf(Admission.Admitted.class, admit(guard, "https://ok.test/x"));
  }

  @Test
  void aRefusalThatNeedsNoLookupMakesNone() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    EgressGuard guard = counting(lookups, InetAddress.getLoopbackAddress());

    assertInstanceOf(Admission.Refused.class, admit(guard, "http://metadata.google.internal/"));
    assertInstanceOf(Admission.Refused.class, admit(guard, "file:///etc/passwd"));
    assertEquals(0, lookups.get());
  }

  @Test
  void anAddressInItsPlainSpellingIsCheckedWithoutALookupAndOtherSpellingsAreLookedUp()
      throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    EgressGuard guard = counting(lookups, IpLiterals.strict("8.8.4.4").orElseThrow());

    assertInstanceOf(Admission.Admitted.class, admit(guard, "http://8.8.8.8/x"));
    assertInstanceOf(Admission.Admitted.class, admit(guard, "https://[2001:4860:4860::8888]/"));
    Admission.Refused metadata =
        assertInstanceOf(Admission.Refused.class, admit(guard, "http://169.254.169.254/"));
    assertTrue(metadata.message().contains("cloud metadata"), metadata.message());
    assertEquals(0, lookups.get());

    // 8.8.8.010 is not a plain spelling: what it reaches is the resolver's answer, as when sent
    assertInstanceOf(Admission.Admitted.class, admit(guard, "http://8.8.8.010/"));
    assertEquals(1, lookups.get());
  }

  @Test
  void anUnknownHostIsUnresolvedNotRefused() throws Exception {
    EgressGuard guard = EgressGuard.fromConfig(CONFIG, NodePorts.none(), dns(Map.of()));
    Admission.Unresolved u =
        assertInstanceOf(Admission.Unresolved.class, admit(guard, "http://nowhere.test/"));
    assertEquals("cannot resolve host nowhere.test", u.message());
  }

  @Test
  void aHangingResolverTimesOutAndAFullQueueFailsAtOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    EgressGuard guard =
        EgressGuard.fromConfig(
            CONFIG,
            NodePorts.none(),
            host -> {
              try {
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return new InetAddress[] {IpLiterals.strict("8.8.8.8").orElseThrow()};
            });
    try {
      // one lookup runs, one waits, the third finds the queue full
      CompletableFuture<Admission> running = guard.admit("acme", URI.create("http://a.test/"));
      CompletableFuture<Admission> queued = guard.admit("acme", URI.create("http://b.test/"));
      Admission rejected = admit(guard, "http://c.test/");

      assertTrue(
          assertInstanceOf(Admission.Unresolved.class, rejected).message().contains("too many"));
      Admission timedOut = running.get(5, TimeUnit.SECONDS);
      assertTrue(
          assertInstanceOf(Admission.Unresolved.class, timedOut).message().contains("longer than"),
          timedOut.toString());
      assertInstanceOf(Admission.Unresolved.class, queued.get(5, TimeUnit.SECONDS));
    } finally {
      release.countDown();
    }
  }
}
