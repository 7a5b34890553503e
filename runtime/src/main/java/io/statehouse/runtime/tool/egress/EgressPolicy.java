package io.statehouse.runtime.tool.egress;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Where a tenant's tools may send requests ({@code statehouse.egress}, see egress.conf and
 * docs/governance.md). Decisions are pure: {@link EgressGuard} resolves the host and asks {@link
 * #refusal(String, URI, List)} about every address it resolved to.
 *
 * <p>In order: cloud metadata (never), blocked hosts and CIDRs (block wins over allow), restricted
 * ranges (link-local, loopback, unspecified, multicast, broadcast) unless an allow-cidrs block
 * inside the range names them, the node's own ports on any of its addresses, then {@code
 * default-action}. A host is refused when any of its addresses is.
 */
public final class EgressPolicy {
  private static final Pattern TENANT_KEY = Pattern.compile("[A-Za-z0-9_-]+");

  private final EgressRules defaults;
  private final Map<String, EgressRules> tenants;
  private final NodePorts nodePorts;
  private final Predicate<InetAddress> local;

  EgressPolicy(
      EgressRules defaults,
      Map<String, EgressRules> tenants,
      NodePorts nodePorts,
      Predicate<InetAddress> local) {
    this.defaults = defaults;
    this.tenants = Map.copyOf(tenants);
    this.nodePorts = nodePorts;
    this.local = local;
  }

  /** From {@code statehouse.egress}; an invalid rule fails here, when the node starts. */
  public static EgressPolicy fromConfig(Config config, NodePorts nodePorts) {
    Config egress = config.getConfig("statehouse.egress");
    EgressRules defaults =
        EgressRules.parse(
            egress.getConfig("default"), EgressRules.NONE, "statehouse.egress.default");
    Map<String, EgressRules> tenants = new HashMap<>();
    ConfigObject tenantBlocks = egress.getObject("tenants");
    for (Map.Entry<String, ConfigValue> e : tenantBlocks.entrySet()) {
      String where = "statehouse.egress.tenants." + e.getKey();
      if (!TENANT_KEY.matcher(e.getKey()).matches()
          || e.getValue().valueType() != ConfigValueType.OBJECT) {
        throw new IllegalArgumentException(where + " must be a block of rules for that tenant");
      }
      tenants.put(
          e.getKey(), EgressRules.parse(((ConfigObject) e.getValue()).toConfig(), defaults, where));
    }
    return new EgressPolicy(defaults, tenants, nodePorts, EgressPolicy::isLocal);
  }

  EgressRules rulesFor(String tenant) {
    return tenants.getOrDefault(tenant, defaults);
  }

  /** What can be refused without a lookup: scheme, user info, host names. Empty when none. */
  public Optional<String> refusalBeforeLookup(String tenant, URI uri) {
    return beforeLookup(rulesFor(tenant), uri).map(why -> message(tenant, uri, why));
  }

  /**
   * The refusal of a call to {@code uri} whose host resolved to {@code addresses}; empty when it
   * may go.
   */
  public Optional<String> refusal(String tenant, URI uri, List<InetAddress> addresses) {
    EgressRules rules = rulesFor(tenant);
    Optional<String> early = beforeLookup(rules, uri);
    if (early.isPresent()) {
      return early.map(why -> message(tenant, uri, why));
    }
    if (addresses.isEmpty()) {
      return Optional.of(message(tenant, uri, "it resolves to no address"));
    }
    boolean literal = !IpLiterals.hostCandidates(host(uri)).isEmpty();
    for (InetAddress a : addresses) {
      Optional<String> why = addressRefusal(rules, uri, a, true);
      if (why.isPresent()) {
        String text =
            literal || why.get().startsWith("the node's") ? why.get() : "resolves to " + why.get();
        return Optional.of(message(tenant, uri, text));
      }
    }
    return Optional.empty();
  }

  /**
   * What is certain to be refused when a tool is registered: a bad scheme, user info, a refused
   * host name, or a literal IP address (in any spelling) that the tenant's rules refuse. Names are
   * not looked up: they are checked when called.
   */
  public Optional<String> refusalAtRegistration(String tenant, URI uri) {
    EgressRules rules = rulesFor(tenant);
    Optional<String> early = beforeLookup(rules, uri);
    if (early.isPresent()) {
      return early.map(why -> message(tenant, uri, why));
    }
    for (InetAddress a : IpLiterals.hostCandidates(HostPattern.normalize(host(uri)))) {
      // the node's ports are left to call time: a port configured as 0 is known only then
      Optional<String> why = addressRefusal(rules, uri, a, false);
      if (why.isPresent()) {
        return Optional.of(message(tenant, uri, why.get()));
      }
    }
    return Optional.empty();
  }

  /**
   * What no tenant's rules can ever admit, decided without a tenant and without a lookup: a cloud
   * metadata host name, or a literal IP address (in any spelling) of a metadata service. For
   * settings checked where no tenant is known, such as a model provider's base URL. Empty when
   * {@code uri} may be admitted by some tenant's rules.
   */
  public static Optional<String> refusedForEveryTenant(URI uri) {
    String host = HostPattern.normalize(host(uri));
    if (Restricted.METADATA_HOSTS.contains(host)) {
      return Optional.of(Restricted.METADATA.why);
    }
    for (InetAddress a : IpLiterals.hostCandidates(host)) {
      List<InetAddress> forms = new ArrayList<>(2);
      forms.add(a);
      IpLiterals.embeddedIpv4(a).ifPresent(forms::add);
      for (InetAddress f : forms) {
        if (Restricted.of(f).filter(r -> r.kind() == Restricted.METADATA).isPresent()) {
          return Optional.of(Restricted.METADATA.why);
        }
      }
    }
    return Optional.empty();
  }

  private Optional<String> beforeLookup(EgressRules rules, URI uri) {
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      return Optional.of("only http and https URLs are allowed");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("a URL may not carry user info");
    }
    if (uri.getHost() == null) {
      return Optional.of("the URL has no valid host");
    }
    String host = HostPattern.normalize(uri.getHost());
    if (Restricted.METADATA_HOSTS.contains(host)) {
      return Optional.of("cloud metadata");
    }
    for (HostPattern p : rules.blockHosts()) {
      if (p.matches(host)) {
        return Optional.of("blocked host " + p);
      }
    }
    return Optional.empty();
  }

  private Optional<String> addressRefusal(
      EgressRules rules, URI uri, InetAddress address, boolean checkNodePorts) {
    List<InetAddress> forms = new ArrayList<>(2);
    forms.add(address);
    // ::a9fe:a9fe and 64:ff9b::a9fe:a9fe reach 169.254.169.254 too
    IpLiterals.embeddedIpv4(address).ifPresent(forms::add);
    for (InetAddress a : forms) {
      Optional<Restricted.Range> range = Restricted.of(a);
      if (range.isPresent() && range.get().kind() == Restricted.METADATA) {
        return Optional.of(Restricted.METADATA.why);
      }
      for (Cidr block : rules.blockCidrs()) {
        if (block.contains(a)) {
          return Optional.of("an address in blocked cidr " + block);
        }
      }
      if (range.isPresent() && !explicitlyAllowed(rules, a, range.get().cidr())) {
        return Optional.of(range.get().kind().why);
      }
    }
    int port = port(uri);
    if (checkNodePorts && nodePorts.contains(port) && local.test(address)) {
      boolean openPath = port == nodePorts.httpPort() && nodePathAllowed(rules, uri.getRawPath());
      if (!openPath) {
        return Optional.of("the node's own port " + port);
      }
    }
    if (!rules.allowByDefault() && !listed(rules, uri, forms)) {
      return Optional.of("not in allow-cidrs or allow-hosts");
    }
    return Optional.empty();
  }

  /** Only an allow block inside the restricted range lifts it: 0.0.0.0/0 does not. */
  private static boolean explicitlyAllowed(EgressRules rules, InetAddress a, Cidr range) {
    return rules.allowCidrs().stream().anyMatch(c -> c.contains(a) && c.within(range));
  }

  private static boolean listed(EgressRules rules, URI uri, List<InetAddress> forms) {
    String host = HostPattern.normalize(uri.getHost());
    return rules.allowHosts().stream().anyMatch(p -> p.matches(host))
        || forms.stream().anyMatch(a -> rules.allowCidrs().stream().anyMatch(c -> c.contains(a)));
  }

  /**
   * A path under an open prefix, spelt so that no server can read it as another path: no dot
   * segments, no percent-encoding, no doubled slashes.
   */
  private static boolean nodePathAllowed(EgressRules rules, String rawPath) {
    if (rawPath == null || !rawPath.matches("(/[A-Za-z0-9_-]+)+/?")) {
      return false;
    }
    return rules.nodeHttpPaths().stream().anyMatch(rawPath::startsWith);
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static String host(URI uri) {
    return uri.getHost() == null ? "" : uri.getHost();
  }

  private static String message(String tenant, URI uri, String why) {
    String host = uri.getHost() == null ? "the URL" : uri.getHost();
    return host + " is not allowed by the egress policy of tenant " + tenant + " (" + why + ")";
  }

  /** Whether an address is one of this machine's: loopback, wildcard or on a local interface. */
  static boolean isLocal(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(a) != null;
    } catch (SocketException e) {
      return true; // cannot tell: treat it as ours, so the node's ports stay closed
    }
  }
}
