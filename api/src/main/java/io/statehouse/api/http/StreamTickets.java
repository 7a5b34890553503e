package io.statehouse.api.http;

import com.nimbusds.jwt.JWTClaimsSet;
import com.typesafe.config.Config;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.identity.IdentitySettings;
import io.statehouse.runtime.identity.NodeKeys;
import io.statehouse.runtime.session.SessionId;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Short-lived, single-use tickets that let a browser open a session's stream ({@code GET
 * /v1/sessions/{id}/stream?ticket=…} or {@code …/ws?ticket=…}): EventSource and WebSocket cannot
 * send an {@code Authorization} header, and an API key must never travel in a URL. A caller with
 * its normal credential asks for a ticket ({@code POST /v1/sessions/{id}/stream-tickets}) and puts
 * it in the URL instead; it opens that one session of that one tenant, once, for a minute.
 *
 * <p>A ticket is a compact ES256 JWT signed with the node's keys ({@link NodeKeys}), so any node
 * with the same keys file verifies it; a key rotation keeps it valid through the retired key. Its
 * {@code use} claim is what tells it from the tool-call identity tokens the same keys sign, which
 * carry none. Single use is per node: each node remembers the {@code jti}s it redeemed until they
 * expire, so a ticket may open the stream once on each node within its short life.
 *
 * <p>Redeeming proves who the ticket was issued to and for which session; the route still checks
 * that this principal may read the session, as for any other request. Thread-safe.
 */
public final class StreamTickets {
  /**
   * {@code aud} of every ticket (a tool-call token may name a tool so: {@link #USE} tells them
   * apart).
   */
  public static final String AUDIENCE = "statehouse-stream";

  /** {@code use} of every ticket; tool-call identity tokens carry no {@code use}. */
  public static final String USE = "stream-ticket";

  /**
   * The principal of a redeemed ticket; for a refused one, a 401 that names the reason (never the
   * ticket) and {@code newTicket}, the request that gives a new one.
   */
  public static Principal principalOrRefuse(Redemption r, String newTicket) {
    if (r instanceof Redeemed ok) {
      return ok.principal();
    }
    throw new ApiError(
        org.apache.pekko.http.javadsl.model.StatusCodes.UNAUTHORIZED,
        "unauthorized",
        "the stream ticket was refused ("
            + ((Refused) r).reason().wire()
            + "): it is invalid, expired, already used, or for another stream; get a new one"
            + " with "
            + newTicket);
  }

  /** The resource name of the operators' overview stream ({@code GET /v1/ops/stream}). */
  // not a well-formed entity id, so never mistaken for a session's or workspace's
  public static final String OPS = "ops:overview";

  // claim names, defined once
  static final String CLAIM_USE = "use";
  static final String CLAIM_TENANT = "tenant";
  static final String CLAIM_ROLES = "roles";
  static final String CLAIM_SESSION = "sid";

  /** The shortest and longest {@code statehouse.api.stream-tickets.ttl} the node starts with. */
  static final Duration MIN_TTL = Duration.ofSeconds(1);

  static final Duration MAX_TTL = Duration.ofMinutes(10);

  /**
   * How far another node's clock may be ahead or behind: tickets are redeemed on any node of the
   * cluster. A bound, not a setting: a longer skew would stretch every ticket's life.
   */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

  /**
   * Longer tokens are refused before they are parsed. A ticket is about 500 characters; a
   * principal's roles could make it longer, and {@link #issue} refuses those rather than hand out a
   * ticket that could never be redeemed.
   */
  static final int MAX_TOKEN_CHARS = 8192;

  /** How many redeemed, unexpired tickets a node remembers; beyond that it redeems none. */
  static final int MAX_REDEEMED = 100_000;

  private static final int MAX_JTI_CHARS = 64;
  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

  /** A ticket and when it stops being accepted (without the clock skew). */
  public record Ticket(String token, Instant expiresAt) {
    public Ticket {
      Objects.requireNonNull(token, "token");
      Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** Never the token itself: a ticket is a credential. */
    @Override
    public String toString() {
      return "Ticket[expiresAt=" + expiresAt + "]";
    }
  }

  /**
   * Why a ticket was refused. The wire names may appear in logs and metrics; no ticket ever does.
   */
  public enum Refusal {
    /** Missing, or longer than {@link StreamTickets#MAX_TOKEN_CHARS}: not parsed. */
    TOO_LARGE("too_large"),
    /** Not a JWT signed (ES256) by this node's keys, or its claims are malformed. */
    INVALID("invalid"),
    /** Signed by this node, but not a stream ticket ({@code use}, {@code aud} or {@code iss}). */
    NOT_A_TICKET("not_a_ticket"),
    /** Past its {@code exp}, or issued in the future, beyond the clock skew. */
    EXPIRED("expired"),
    /** For another session, or the same session id of another tenant. */
    OTHER_SESSION("other_session"),
    /** Redeemed on this node before. */
    REPLAYED("replayed"),
    /** This node remembers as many unexpired redeemed tickets as it may. */
    TOO_MANY("too_many");

    private final String wire;

    Refusal(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  /** What {@link #redeem} found: {@link Redeemed} or {@link Refused}. */
  public sealed interface Redemption permits Redeemed, Refused {}

  /** The ticket was valid: the principal it was issued to, as it was at issue. */
  public record Redeemed(Principal principal) implements Redemption {}

  /** The ticket was refused; the reason never quotes it. */
  public record Refused(Refusal reason) implements Redemption {}

  private final NodeKeys keys;
  private final Clock clock;
  private final Duration ttl;
  private final String issuer;
  private final int maxRedeemed;

  // the jtis this node redeemed, and the same jtis by exp, to forget them; guarded by `this`
  private final Set<String> redeemed = new HashSet<>();
  private final PriorityQueue<Used> byExpiry = new PriorityQueue<>();

  private record Used(long exp, String jti) implements Comparable<Used> {
    @Override
    public int compareTo(Used o) {
      return Long.compare(exp, o.exp);
    }
  }

  public StreamTickets(NodeKeys keys, Clock clock, Duration ttl, String issuer) {
    this(keys, clock, ttl, issuer, MAX_REDEEMED);
  }

  StreamTickets(NodeKeys keys, Clock clock, Duration ttl, String issuer, int maxRedeemed) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ttl = checkTtl(ttl);
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.maxRedeemed = maxRedeemed;
  }

  /**
   * {@code statehouse.api.stream-tickets.ttl} and {@code statehouse.identity.issuer}; a TTL outside
   * 1s..10m stops the node from starting.
   */
  public static StreamTickets fromConfig(Config root, NodeKeys keys, Clock clock) {
    return new StreamTickets(
        keys,
        clock,
        root.getDuration("statehouse.api.stream-tickets.ttl"),
        IdentitySettings.fromConfig(root).issuer());
  }

  private static Duration checkTtl(Duration ttl) {
    if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException(
          "statehouse.api.stream-tickets.ttl must be between 1s and 10m, not "
              + ttl.toMillis()
              + "ms");
    }
    return ttl;
  }

  public Duration ttl() {
    return ttl;
  }

  /**
   * A ticket for {@code principal} to open {@code session}'s stream. The route authorizes first:
   * this only refuses a session of another tenant (a bug in the caller) and a principal too large
   * for a ticket ({@link IllegalArgumentException}, whose message names neither).
   */
  public Ticket issue(Principal principal, SessionId session) {
    if (!principal.tenant().equals(session.tenant())) {
      throw new IllegalArgumentException("a stream ticket is for a session of the caller's tenant");
    }
    return issue(principal, session.id());
  }

  /**
   * A ticket for {@code principal} to open the stream named {@code resource} of its own tenant: a
   * session's or workspace's id, or {@link #OPS} for the operators' overview stream. Redeemed by
   * {@link #redeem(String, String)} with the same name.
   */
  public Ticket issue(Principal principal, String resource) {
    // JWT times are whole seconds; truncating keeps exp - iat exactly the configured TTL
    long now = clock.instant().getEpochSecond();
    long exp = now + ttl.toSeconds();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(AUDIENCE)
            .subject(principal.subject())
            .claim(CLAIM_TENANT, principal.tenant())
            .claim(CLAIM_ROLES, principal.roles())
            .claim(CLAIM_SESSION, resource)
            .claim(CLAIM_USE, USE)
            .jwtID(UUID.randomUUID().toString())
            .issueTime(new Date(now * 1000))
            .expirationTime(new Date(exp * 1000))
            .build();
    String token = keys.sign(claims);
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new IllegalArgumentException("the caller's roles are too many for a stream ticket");
    }
    return new Ticket(token, Instant.ofEpochSecond(exp));
  }

  /**
   * Redeems {@code token} for {@code session}: the principal it was issued to when the node's keys
   * signed it as a stream ticket for this session of this tenant, it has not expired, and this node
   * has not redeemed it before. Never throws for a bad token.
   */
  public Redemption redeem(String token, SessionId session) {
    return redeem(token, session.tenant(), session.id());
  }

  /**
   * Redeems {@code token} for the session {@code sessionId} of the tenant the ticket names, for a
   * URL that carries no tenant ({@code /v1/sessions/{id}/stream?ticket=…}): the tenant is read from
   * the ticket only after its signature verified, so the route never parses an unchecked token. The
   * principal's tenant is the session's; otherwise as {@link #redeem(String, SessionId)}.
   */
  public Redemption redeem(String token, String sessionId) {
    return redeem(token, null, sessionId);
  }

  /** {@code tenant} null: the ticket's own. */
  private Redemption redeem(String token, String tenant, String sessionId) {
    if (token == null || token.length() > MAX_TOKEN_CHARS) {
      return new Refused(Refusal.TOO_LARGE);
    }
    JWTClaimsSet c = keys.verifyJwt(token).orElse(null);
    if (c == null) {
      return new Refused(Refusal.INVALID);
    }
    try {
      if (!USE.equals(c.getStringClaim(CLAIM_USE))
          || !List.of(AUDIENCE).equals(c.getAudience())
          || !issuer.equals(c.getIssuer())) {
        return new Refused(Refusal.NOT_A_TICKET);
      }
      Date iat = c.getIssueTime();
      Date exp = c.getExpirationTime();
      String jti = c.getJWTID();
      if (iat == null
          || exp == null
          || jti == null
          || jti.isEmpty()
          || jti.length() > MAX_JTI_CHARS) {
        return new Refused(Refusal.INVALID);
      }
      Instant now = clock.instant();
      Instant issuedAt = iat.toInstant();
      Instant expiresAt = exp.toInstant();
      if (now.isAfter(expiresAt.plus(CLOCK_SKEW))
          || issuedAt.isAfter(now.plus(CLOCK_SKEW))
          // a ticket never outlives the longest TTL, whatever the issuing node's setting
          || expiresAt.isAfter(issuedAt.plus(MAX_TTL))) {
        return new Refused(Refusal.EXPIRED);
      }
      String ticketTenant = c.getStringClaim(CLAIM_TENANT);
      if (ticketTenant == null || !ApiKeys.validTenant(ticketTenant)) {
        return new Refused(Refusal.INVALID);
      }
      if ((tenant != null && !tenant.equals(ticketTenant))
          || !Objects.equals(sessionId, c.getStringClaim(CLAIM_SESSION))) {
        return new Refused(Refusal.OTHER_SESSION);
      }
      String subject = c.getSubject();
      List<String> roles = c.getStringListClaim(CLAIM_ROLES);
      if (subject == null
          || subject.isBlank()
          || CONTROL.matcher(subject).find()
          || roles == null
          || roles.contains(null)) {
        return new Refused(Refusal.INVALID);
      }
      Principal principal = new Principal(ticketTenant, subject, roles);
      Refusal refusal = markRedeemed(jti, expiresAt);
      return refusal == null ? new Redeemed(principal) : new Refused(refusal);
    } catch (ParseException e) {
      // a claim of the wrong type
      return new Refused(Refusal.INVALID);
    }
  }

  /** Records {@code jti} as used; null when it was not used before and there is room. */
  private synchronized Refusal markRedeemed(String jti, Instant expiresAt) {
    // Read under the lock, with the expiry checked again: a thread that read the clock earlier
    // must not find a jti that a later reading already forgot, and take it for a new one.
    Instant now = clock.instant();
    if (now.isAfter(expiresAt.plus(CLOCK_SKEW))) {
      return Refusal.EXPIRED;
    }
    // a ticket past exp + skew is refused as expired, so its jti need not be kept any longer
    long forgetBefore = now.minus(CLOCK_SKEW).getEpochSecond();
    while (!byExpiry.isEmpty() && byExpiry.peek().exp() < forgetBefore) {
      redeemed.remove(byExpiry.poll().jti());
    }
    if (redeemed.contains(jti)) {
      return Refusal.REPLAYED;
    }
    if (redeemed.size() >= maxRedeemed) {
      return Refusal.TOO_MANY;
    }
    redeemed.add(jti);
    byExpiry.add(new Used(expiresAt.getEpochSecond(), jti));
    return null;
  }

  /** How many redeemed tickets this node remembers now (for tests and metrics). */
  synchronized int remembered() {
    return redeemed.size();
  }
}
