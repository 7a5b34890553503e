package io.statehouse.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.http.StreamTickets.Redeemed;
import io.statehouse.api.http.StreamTickets.Redemption;
import io.statehouse.api.http.StreamTickets.Refusal;
import io.statehouse.api.http.StreamTickets.Refused;
import io.statehouse.api.http.StreamTickets.Ticket;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.identity.NodeKeys;
import io.statehouse.runtime.identity.ToolTokenClaims;
import io.statehouse.runtime.identity.ToolTokens;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.SettableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Stream tickets: the one thing a ticket opens, and every way one must be refused. */
class StreamTicketsTest {
  private static final Config CONFIG = ConfigFactory.load();
  private static final Principal ALICE = new Principal("acme", "alice", List.of("developer"));
  private static final SessionId SESSION = new SessionId("acme", "ses_1");

  private final NodeKeys keys = NodeKeys.generate();
  private final Instant start = Instant.parse("2026-11-02T10:00:00Z");
  private final SettableClock clock = new SettableClock(start);
  private final StreamTickets tickets = StreamTickets.fromConfig(CONFIG, keys, clock);

  @Test
  void aTicketRedeemsForItsSessionAsThePrincipalItWasIssuedTo() throws Exception {
    Ticket ticket = tickets.issue(ALICE, SESSION);

    assertEquals(Duration.ofSeconds(60), tickets.ttl(), "the default of stream-tickets.ttl");
    assertEquals(start.plusSeconds(60), ticket.expiresAt());
    assertEquals(new Redeemed(ALICE), tickets.redeem(ticket.token(), SESSION));

    JWTClaimsSet c = SignedJWT.parse(ticket.token()).getJWTClaimsSet();
    assertEquals("statehouse", c.getIssuer(), "statehouse.identity.issuer");
    assertEquals(List.of("statehouse-stream"), c.getAudience());
    assertEquals("alice", c.getSubject());
    assertEquals("acme", c.getStringClaim("tenant"));
    assertEquals(List.of("developer"), c.getStringListClaim("roles"));
    assertEquals("ses_1", c.getStringClaim("sid"), "the session id, not the entity id");
    assertEquals("stream-ticket", c.getStringClaim("use"));
    assertEquals(start, c.getIssueTime().toInstant());
    assertEquals(start.plusSeconds(60), c.getExpirationTime().toInstant());
    assertTrue(c.getJWTID().length() >= 32, "a random jti");
    // small enough for any URL
    assertTrue(ticket.token().length() < 1000, "length " + ticket.token().length());
  }

  @Test
  void eachTicketHasItsOwnJti() throws Exception {
    String first = tickets.issue(ALICE, SESSION).token();
    String second = tickets.issue(ALICE, SESSION).token();

    assertFalse(
        SignedJWT.parse(first)
            .getJWTClaimsSet()
            .getJWTID()
            .equals(SignedJWT.parse(second).getJWTClaimsSet().getJWTID()));
  }

  @Test
  void anExpiredTicketIsRefusedOnceBeyondTheClockSkew() {
    Ticket withinSkew = tickets.issue(ALICE, SESSION);
    Ticket beyondSkew = tickets.issue(ALICE, SESSION);

    // another node's clock may be up to 5 s behind the issuer's
    clock.set(withinSkew.expiresAt().plusSeconds(5));
    assertEquals(new Redeemed(ALICE), tickets.redeem(withinSkew.token(), SESSION));

    clock.set(beyondSkew.expiresAt().plusSeconds(6));
    assertEquals(new Refused(Refusal.EXPIRED), tickets.redeem(beyondSkew.token(), SESSION));
  }

  @Test
  void aTicketIssuedInTheFutureBeyondTheClockSkewIsRefused() {
    Ticket ticket = tickets.issue(ALICE, SESSION);

    clock.set(start.minusSeconds(6));

    assertEquals(new Refused(Refusal.EXPIRED), tickets.redeem(ticket.token(), SESSION));
  }

  @Test
  void aTicketForOneSessionDoesNotOpenAnother() {
    Ticket ticket = tickets.issue(ALICE, SESSION);

    assertEquals(
        new Refused(Refusal.OTHER_SESSION),
        tickets.redeem(ticket.token(), new SessionId("acme", "ses_2")));
    // the refused attempt did not use the ticket up
    assertEquals(new Redeemed(ALICE), tickets.redeem(ticket.token(), SESSION));
  }

  @Test
  void aTicketOfOneTenantDoesNotOpenAnotherTenantsSessionWithTheSameId() {
    Ticket ticket = tickets.issue(ALICE, SESSION);

    assertEquals(
        new Refused(Refusal.OTHER_SESSION),
        tickets.redeem(ticket.token(), new SessionId("globex", SESSION.id())));
  }

  @Test
  void byTheSessionIdAloneATicketOpensOnlyItsSessionOfItsOwnTenant() {
    Principal bob = new Principal("globex", "bob", List.of("developer"));
    Ticket acmeTicket = tickets.issue(ALICE, SESSION);
    Ticket globexTicket = tickets.issue(bob, new SessionId("globex", SESSION.id()));

    // a URL names no tenant: the one the ticket names, once its signature verified
    assertEquals(new Refused(Refusal.OTHER_SESSION), tickets.redeem(acmeTicket.token(), "ses_2"));
    assertEquals(new Redeemed(ALICE), tickets.redeem(acmeTicket.token(), SESSION.id()));
    assertEquals(new Redeemed(bob), tickets.redeem(globexTicket.token(), SESSION.id()));
    // one jti store for both ways in
    assertEquals(new Refused(Refusal.REPLAYED), tickets.redeem(acmeTicket.token(), SESSION));
    assertEquals(
        new Refused(Refusal.INVALID),
        tickets.redeem(keys.sign(ticketClaims().claim("tenant", "a:b").build()), SESSION.id()));
    assertEquals(
        new Refused(Refusal.INVALID),
        tickets.redeem(tickets.issue(ALICE, SESSION).token() + "x", SESSION.id()));
  }

  @Test
  void aTicketIsNeverIssuedForAnotherTenantsSession() {
    SessionId globex = new SessionId("globex", SESSION.id());

    assertThrows(IllegalArgumentException.class, () -> tickets.issue(ALICE, globex));
  }

  @Test
  void aReplayedTicketIsRefusedTheSecondTime() {
    Ticket ticket = tickets.issue(ALICE, SESSION);

    assertEquals(new Redeemed(ALICE), tickets.redeem(ticket.token(), SESSION));
    assertEquals(new Refused(Refusal.REPLAYED), tickets.redeem(ticket.token(), SESSION));
    clock.set(start.plusSeconds(30));
    assertEquals(new Refused(Refusal.REPLAYED), tickets.redeem(ticket.token(), SESSION));
  }

  @Test
  void aTicketWithATamperedClaimOrSignatureIsRefused() {
    String[] parts = tickets.issue(ALICE, SESSION).token().split("\\.");
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    // the same ticket, claiming to be an operator's
    String operator = claims.replace("\"developer\"", "\"operator\"");
    assertFalse(operator.equals(claims), "the claims name the role");
    String forgedClaims =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(operator.getBytes(StandardCharsets.UTF_8));
    String flipped = (parts[2].charAt(0) == 'A' ? 'B' : 'A') + parts[2].substring(1);

    assertEquals(
        new Refused(Refusal.INVALID),
        tickets.redeem(parts[0] + "." + forgedClaims + "." + parts[2], SESSION));
    assertEquals(
        new Refused(Refusal.INVALID),
        tickets.redeem(parts[0] + "." + parts[1] + "." + flipped, SESSION));
    assertEquals(new Refused(Refusal.INVALID), tickets.redeem(parts[0] + "." + parts[1], SESSION));
    assertEquals(new Refused(Refusal.INVALID), tickets.redeem("", SESSION));
  }

  @Test
  void aTicketSignedByAnotherKeySetIsRefused() {
    StreamTickets otherCluster = StreamTickets.fromConfig(CONFIG, NodeKeys.generate(), clock);
    Ticket ticket = otherCluster.issue(ALICE, SESSION);

    assertEquals(new Refused(Refusal.INVALID), tickets.redeem(ticket.token(), SESSION));
  }

  @Test
  void aTicketSignedWithARetiredKeyStillRedeems() throws Exception {
    ECKey old = new ECKeyGenerator(Curve.P_256).keyID("old").generate();
    StreamTickets beforeRotation =
        StreamTickets.fromConfig(CONFIG, NodeKeys.of(new JWKSet(old)), clock);
    Ticket ticket = beforeRotation.issue(ALICE, SESSION);
    ECKey current = new ECKeyGenerator(Curve.P_256).keyID("current").generate();
    NodeKeys rotated = NodeKeys.of(new JWKSet(List.of(current, old)));

    StreamTickets afterRotation = StreamTickets.fromConfig(CONFIG, rotated, clock);

    assertEquals("current", rotated.signingKeyId());
    assertEquals(new Redeemed(ALICE), afterRotation.redeem(ticket.token(), SESSION));
  }

  @Test
  void aToolCallIdentityTokenSignedWithTheSameKeysIsRefused() {
    // the worst case: a tool named like the ticket audience, on this very session
    ToolTokens toolTokens = ToolTokens.fromConfig(CONFIG, keys, clock);
    String toolToken =
        toolTokens.issue(
            new ToolTokenClaims(
                "acme",
                "alice",
                "refunds",
                1,
                SESSION.id(),
                "t-1",
                "c-1",
                StreamTickets.AUDIENCE,
                "idem-1"));

    assertEquals(new Refused(Refusal.NOT_A_TICKET), tickets.redeem(toolToken, SESSION));
  }

  @Test
  void aTokenTheNodeSignedIsATicketOnlyWithTheTicketsUseAudienceAndIssuer() {
    assertEquals(new Redeemed(ALICE), tickets.redeem(keys.sign(ticketClaims().build()), SESSION));
    assertEquals(
        new Refused(Refusal.NOT_A_TICKET),
        tickets.redeem(keys.sign(ticketClaims().claim("use", "other").build()), SESSION));
    assertEquals(
        new Refused(Refusal.NOT_A_TICKET),
        tickets.redeem(keys.sign(ticketClaims().audience("refund_order").build()), SESSION));
    assertEquals(
        new Refused(Refusal.NOT_A_TICKET),
        tickets.redeem(
            keys.sign(ticketClaims().audience(List.of("statehouse-stream", "x")).build()),
            SESSION));
    assertEquals(
        new Refused(Refusal.NOT_A_TICKET),
        tickets.redeem(keys.sign(ticketClaims().issuer("another-cluster").build()), SESSION));
    // a ticket that would live longer than the longest TTL is refused, whoever set its exp
    assertEquals(
        new Refused(Refusal.EXPIRED),
        tickets.redeem(
            keys.sign(ticketClaims().expirationTime(date(start.plusSeconds(601))).build()),
            SESSION));
    assertEquals(
        new Refused(Refusal.INVALID),
        tickets.redeem(keys.sign(ticketClaims().jwtID(null).build()), SESSION));
    assertEquals(
        new Refused(Refusal.INVALID),
        tickets.redeem(keys.sign(ticketClaims().claim("roles", "developer").build()), SESSION));
  }

  @Test
  void anOversizedTokenIsRefusedBeforeItIsParsed() {
    // validly signed and otherwise a good ticket: only its length refuses it
    String padded = keys.sign(ticketClaims().claim("pad", "x".repeat(8192)).build());
    assertEquals(new Refused(Refusal.TOO_LARGE), tickets.redeem(padded, SESSION));
    assertEquals(new Refused(Refusal.TOO_LARGE), tickets.redeem("a.".repeat(100_000), SESSION));
    assertEquals(new Refused(Refusal.TOO_LARGE), tickets.redeem(null, SESSION));
    // and no ticket is issued that could never be redeemed
    List<String> manyRoles =
        IntStream.range(0, 200).mapToObj(i -> "role-" + i + "-" + "r".repeat(40)).toList();
    Principal large = new Principal("acme", "alice", manyRoles);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> tickets.issue(large, SESSION));
    assertFalse(e.getMessage().contains("role-1"), e.getMessage());
  }

  @Test
  void forgetsRedeemedTicketsOnceExpiredAndRefusesNewOnesBeyondTheCap() {
    StreamTickets capped = new StreamTickets(keys, clock, Duration.ofSeconds(60), "statehouse", 2);
    Ticket first = capped.issue(ALICE, SESSION);
    Ticket second = capped.issue(ALICE, SESSION);
    Ticket third = capped.issue(ALICE, SESSION);

    assertInstanceOf(Redeemed.class, capped.redeem(first.token(), SESSION));
    assertInstanceOf(Redeemed.class, capped.redeem(second.token(), SESSION));
    assertEquals(new Refused(Refusal.TOO_MANY), capped.redeem(third.token(), SESSION));
    assertEquals(2, capped.remembered());

    // once the first two are past exp + skew, the node forgets them and has room again
    clock.set(first.expiresAt().plusSeconds(10));
    Ticket fresh = capped.issue(ALICE, SESSION);
    assertInstanceOf(Redeemed.class, capped.redeem(fresh.token(), SESSION));
    assertEquals(1, capped.remembered());
    assertEquals(new Refused(Refusal.EXPIRED), capped.redeem(first.token(), SESSION));
  }

  @Test
  void neitherATicketNorARefusalPrintsTheToken() {
    Ticket ticket = tickets.issue(ALICE, SESSION);
    Redemption refused = tickets.redeem(ticket.token(), new SessionId("acme", "ses_2"));

    assertFalse(ticket.toString().contains(ticket.token()), ticket.toString());
    assertFalse(ticket.toString().contains(ticket.token().split("\\.")[2]), ticket.toString());
    assertFalse(refused.toString().contains(ticket.token().split("\\.")[2]), refused.toString());
  }

  @Test
  void aTtlOutsideOneSecondToTenMinutesStopsTheNode() {
    for (String ttl : List.of("0s", "999ms", "11m")) {
      Config config =
          ConfigFactory.parseString("statehouse.api.stream-tickets.ttl = " + ttl)
              .withFallback(CONFIG);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> StreamTickets.fromConfig(config, keys, clock),
              ttl);
      assertTrue(e.getMessage().contains("statehouse.api.stream-tickets.ttl"), e.getMessage());
    }
    Config tenMinutes =
        ConfigFactory.parseString("statehouse.api.stream-tickets.ttl = 10m").withFallback(CONFIG);
    assertEquals(Duration.ofMinutes(10), StreamTickets.fromConfig(tenMinutes, keys, clock).ttl());
  }

  /** The claims {@link StreamTickets#issue} writes for ALICE on SESSION, to vary one at a time. */
  private JWTClaimsSet.Builder ticketClaims() {
    return new JWTClaimsSet.Builder()
        .issuer("statehouse")
        .audience(StreamTickets.AUDIENCE)
        .subject("alice")
        .claim("tenant", "acme")
        .claim("roles", List.of("developer"))
        .claim("sid", SESSION.id())
        .claim("use", StreamTickets.USE)
        .jwtID(UUID.randomUUID().toString())
        .issueTime(date(start))
        .expirationTime(date(start.plusSeconds(60)));
  }

  private static Date date(Instant instant) {
    return Date.from(instant);
  }
}
