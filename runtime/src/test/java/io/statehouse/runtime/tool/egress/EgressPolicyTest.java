package io.statehouse.runtime.tool.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The policy's decisions, without a network: addresses are given as if resolved. */
class EgressPolicyTest {

  private static EgressPolicy policy(String hocon) {
    return EgressPolicy.fromConfig(config(hocon), NodePorts.none());
  }

  private static Config config(String hocon) {
    return ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  private static InetAddress ip(String literal) {
    return IpLiterals.strict(literal).orElseThrow();
  }

  private static Optional<String> resolvedTo(
      EgressPolicy p, String tenant, String url, String... addresses) {
    return p.refusal(
        tenant, URI.create(url), List.of(addresses).stream().map(EgressPolicyTest::ip).toList());
  }

  private static void assertRefused(Optional<String> refusal, String why) {
    assertTrue(refusal.isPresent(), "refused");
    assertTrue(refusal.get().contains(why), refusal.get());
  }

  @Test
  void publicAndPrivateAddressesAreReachableByDefault() {
    EgressPolicy p = policy("");
    assertEquals(
        Optional.empty(), resolvedTo(p, "acme", "https://api.example.com/x", "93.184.216.34"));
    assertEquals(Optional.empty(), resolvedTo(p, "acme", "http://crm.internal/x", "10.1.2.3"));
  }

  @Test
  void metadataIsRefusedEvenWhenLinkLocalIsAllowed() {
    EgressPolicy p = policy("statehouse.egress.default.allow-cidrs = [\"169.254.0.0/16\"]");
    assertEquals(Optional.empty(), resolvedTo(p, "acme", "http://169.254.10.1/", "169.254.10.1"));
    assertRefused(
        resolvedTo(p, "acme", "http://169.254.169.254/", "169.254.169.254"), "cloud metadata");
    assertRefused(
        p.refusalAtRegistration("acme", URI.create("http://169.254.169.254/latest/meta-data")),
        "cloud metadata");
  }

  @Test
  void aHostIsRefusedWhenAnyOfItsAddressesIs() {
    assertRefused(
        resolvedTo(policy(""), "acme", "http://rebind.test/", "93.184.216.34", "127.0.0.1"),
        "rebind.test is not allowed by the egress policy of tenant acme (resolves to a loopback"
            + " address)");
  }

  @Test
  void onlyAnAllowBlockInsideARestrictedRangeOpensIt() {
    EgressPolicy broad =
        policy("statehouse.egress.default.allow-cidrs = [\"0.0.0.0/0\", \"::/0\"]");
    assertRefused(resolvedTo(broad, "acme", "http://localhost/", "127.0.0.1"), "loopback");
    assertRefused(resolvedTo(broad, "acme", "http://[fe80::1]/", "fe80::1"), "link-local");

    EgressPolicy loopback = policy("statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\"]");
    assertEquals(Optional.empty(), resolvedTo(loopback, "acme", "http://localhost/", "127.0.0.1"));
    assertRefused(resolvedTo(loopback, "acme", "http://[::1]/", "::1"), "loopback");
  }

  @Test
  void unspecifiedMulticastAndBroadcastAreRefused() {
    EgressPolicy p = policy("");
    assertRefused(resolvedTo(p, "acme", "http://0.0.0.0:8080/", "0.0.0.0"), "unspecified");
    assertRefused(resolvedTo(p, "acme", "http://[::]/", "::"), "unspecified");
    assertRefused(resolvedTo(p, "acme", "http://239.1.1.1/", "239.1.1.1"), "multicast");
    assertRefused(resolvedTo(p, "acme", "http://[ff02::1]/", "ff02::1"), "multicast");
    assertRefused(resolvedTo(p, "acme", "http://255.255.255.255/", "255.255.255.255"), "broadcast");
  }

  @Test
  void blockWinsOverAllowAndATenantCannotLiftADefaultBlock() {
    EgressPolicy p =
        policy(
            "statehouse.egress.default.block-cidrs = [\"10.9.0.0/16\"]\n"
                + "statehouse.egress.tenants.acme.allow-cidrs = [\"10.0.0.0/8\"]\n"
                + "statehouse.egress.tenants.acme.block-cidrs = [\"10.1.0.0/16\"]");
    assertEquals(Optional.empty(), resolvedTo(p, "acme", "http://a/", "10.2.0.1"));
    assertRefused(resolvedTo(p, "acme", "http://a/", "10.1.0.1"), "blocked cidr 10.1.0.0/16");
    assertRefused(resolvedTo(p, "acme", "http://a/", "10.9.0.1"), "blocked cidr 10.9.0.0/16");
    assertEquals(
        Optional.empty(),
        resolvedTo(p, "globex", "http://a/", "10.1.0.1"),
        "acme's own block is not globex's");
  }

  @Test
  void aTenantAllowedACidrReachesItAndAnotherTenantDoesNot() {
    EgressPolicy p =
        policy(
            "statehouse.egress.default.default-action = deny\n"
                + "statehouse.egress.tenants.acme.allow-cidrs = [\"10.20.0.0/16\"]");
    assertEquals(Optional.empty(), resolvedTo(p, "acme", "http://crm/", "10.20.1.1"));
    assertRefused(
        resolvedTo(p, "globex", "http://crm/", "10.20.1.1"), "not in allow-cidrs or allow-hosts");
    assertRefused(resolvedTo(p, "acme", "http://other/", "10.21.1.1"), "not in allow-cidrs");
  }

  @Test
  void hostPatternsMatchExactNamesAndSubdomains() {
    EgressPolicy p =
        policy(
            "statehouse.egress.default.default-action = deny\n"
                + "statehouse.egress.default.allow-hosts = [\"*.example.com\", \"api.partner.io\"]\n"
                + "statehouse.egress.default.block-hosts = [\"admin.example.com\"]");
    assertEquals(
        Optional.empty(), resolvedTo(p, "acme", "https://a.b.example.com/", "93.184.216.34"));
    assertEquals(
        Optional.empty(), resolvedTo(p, "acme", "https://API.partner.io./", "93.184.216.34"));
    assertRefused(resolvedTo(p, "acme", "https://example.com/", "93.184.216.34"), "not in");
    assertRefused(resolvedTo(p, "acme", "https://evilexample.com/", "93.184.216.34"), "not in");
    assertRefused(
        p.refusalBeforeLookup("acme", URI.create("https://Admin.Example.com/")),
        "blocked host admin.example.com");
    // an allowed name does not open a restricted range it resolves to
    assertRefused(resolvedTo(p, "acme", "https://x.example.com/", "127.0.0.1"), "loopback");
  }

  @Test
  void theNodesOwnPortsAreRefusedOnItsAddressesOnly() {
    Set<String> local = Set.of("127.0.0.1", "10.0.0.5");
    EgressPolicy p =
        new EgressPolicy(
            EgressRules.parse(
                config("statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\"]")
                    .getConfig("statehouse.egress.default"),
                EgressRules.NONE,
                "default"),
            Map.of(),
            new NodePorts(8080, Set.of(25520)),
            a -> local.contains(a.getHostAddress()));
    assertRefused(
        resolvedTo(p, "acme", "http://127.0.0.1:8080/v1/x", "127.0.0.1"), "own port 8080");
    assertRefused(resolvedTo(p, "acme", "http://node:25520/", "10.0.0.5"), "own port 25520");
    assertEquals(Optional.empty(), resolvedTo(p, "acme", "http://127.0.0.1:8081/", "127.0.0.1"));
    assertEquals(
        Optional.empty(),
        resolvedTo(p, "acme", "http://tools:8080/", "10.0.0.6"),
        "another machine's 8080 is not the node");
  }

  @Test
  void registrationRefusesWhatIsCertainToBeRefused() {
    EgressPolicy p = policy("");
    for (String url :
        List.of(
            "http://169.254.1.1/",
            "http://2852039166/",
            "http://0251.0376.0251.0376/",
            "http://0xa9fea9fe/",
            "http://169.254.43518/",
            "http://[::ffff:169.254.169.254]/",
            "http://127.1/",
            "http://0/",
            "http://metadata.google.internal/")) {
      assertTrue(p.refusalAtRegistration("acme", URI.create(url)).isPresent(), url);
    }
    assertRefused(p.refusalAtRegistration("acme", URI.create("ftp://files.example.com/")), "http");
    assertRefused(
        p.refusalAtRegistration("acme", URI.create("https://u:p@api.example.com/")), "user info");
    // a name is only checked when called: it may resolve elsewhere by then
    assertEquals(
        Optional.empty(), p.refusalAtRegistration("acme", URI.create("http://localhost/")));
    assertEquals(
        Optional.empty(), p.refusalAtRegistration("acme", URI.create("https://10.1.2.3/")));
  }

  @Test
  void aMistakeInTheRulesStopsTheNodeFromStarting() {
    assertThrows(
        IllegalArgumentException.class,
        () -> policy("statehouse.egress.default.block-cidr = [\"10.0.0.0/8\"]"),
        "a misspelt key would block nothing");
    assertThrows(
        IllegalArgumentException.class,
        () -> policy("statehouse.egress.default.block-cidrs = [\"10.1.2.3/8\"]"));
    assertThrows(
        IllegalArgumentException.class,
        () -> policy("statehouse.egress.default.allow-hosts = [\"exa mple.com\"]"));
    assertThrows(
        IllegalArgumentException.class,
        () -> policy("statehouse.egress.default.block-cidrs = [\"internal.example.com\"]"),
        "a CIDR is never looked up in DNS");
    assertThrows(
        IllegalArgumentException.class,
        () -> policy("statehouse.egress.default.node-http-paths = [\"/demo/../v1/\"]"));
  }
}
