package io.statehouse.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.dto.TeamDefinitions;
import io.statehouse.api.it.Api;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.journal.JournalHealth;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.testkit.javadsl.TestEntityRef;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/teams} over real HTTP, with each tenant's catalog an in-memory actor instead of a
 * sharded entity on Cassandra: parsing, validation, authorization, tenant scoping and the answers'
 * shapes, without a cluster.
 */
class TeamRoutesTest {
  /** Bearer tokens of this test's callers. */
  private static final Map<String, Principal> CALLERS =
      Map.of(
          "acme-dev", new Principal("acme", "alice", List.of("developer")),
          "acme-op", new Principal("acme", "oscar", List.of("operator")),
          "globex-dev", new Principal("globex", "carol", List.of("developer")));

  private static final String YAML = "application/yaml";
  private static final String JSON = "application/json";

  private static final String RESEARCH_YAML =
      """
      description: Research, compliance review, report
      members:
        - {role: researcher, agent: researcher}
        - {role: compliance, agent: compliance-checker}
        - {role: summarizer, agent: summarizer}
      entry: researcher
      pattern: pipeline
      order: [researcher, compliance, summarizer]
      done: {artifact: report}
      limits: {maxRounds: 6, maxTurns: 20, maxCostUsd: 2.50, deadline: 30m}
      """;

  private static ActorTestKit testKit;
  private static ServerBinding binding;
  private static Api api;

  @BeforeAll
  static void start() throws Exception {
    // the catalogs journal in memory; nothing here needs a cluster
    Config config =
        ConfigFactory.parseString(
                "pekko.actor.provider = local\n"
                    + "pekko.persistence.journal.plugin = \"pekko.persistence.journal.inmem\"\n"
                    + "pekko.persistence.snapshot-store.plugin ="
                    + " \"pekko.persistence.no-snapshot-store\"\n")
            .withFallback(ConfigFactory.load());
    testKit = ActorTestKit.create("TeamRoutesTest", config);
    Map<String, ActorRef<Catalog.Command>> catalogs =
        Map.of(
            "acme", testKit.spawn(Catalog.create("acme", Clock.systemUTC())),
            "globex", testKit.spawn(Catalog.create("globex", Clock.systemUTC())));
    for (ActorRef<Catalog.Command> catalog : catalogs.values()) {
      for (String agent : List.of("researcher", "compliance-checker", "summarizer")) {
        register(catalog, agent);
      }
    }
    Authenticator callers =
        header ->
            CompletableFuture.completedFuture(Authenticator.bearerToken(header).map(CALLERS::get));
    RouteSupport base =
        new RouteSupport(
            HttpSettings.fromConfig(config), callers, JournalHealth.get(testKit.system())) {};
    TeamRoutes teams =
        new TeamRoutes(
            base,
            tenant -> TestEntityRef.of(Catalog.ENTITY_TYPE, tenant, catalogs.get(tenant)),
            TeamDefinitions.fromConfig(config));
    Route route =
        base.handleExceptions(
            ExceptionHandler.newBuilder()
                .matchAny(e -> base.complete(ApiRoutes.errorResponse(e)))
                .build(),
            () -> base.pathPrefix("v1", () -> base.authenticated(teams::routes)));
    binding =
        Http.get(testKit.system())
            .newServerAt("127.0.0.1", 0)
            .bind(route)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    api = new Api("127.0.0.1", binding.localAddress().getPort());
  }

  private static void register(ActorRef<Catalog.Command> catalog, String name) throws Exception {
    AgentSpec spec =
        new AgentSpec(
            name,
            0,
            "",
            "",
            new ModelSpec("scripted", null, null, false, List.of(new ScriptStep("ok", List.of()))),
            List.of(),
            new Limits(3, 0, null));
    StatusReply<Catalog.AgentRegistration> reply =
        org.apache.pekko.actor.typed.javadsl.AskPattern
            .<Catalog.Command, StatusReply<Catalog.AgentRegistration>>ask(
                catalog,
                r -> new Catalog.PutAgent(spec, "user:test", r),
                Duration.ofSeconds(10),
                testKit.scheduler())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    assertTrue(reply.isSuccess());
  }

  @AfterAll
  static void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    testKit.shutdownTestKit();
  }

  private static Api.Response put(String team, String key, String body, String type) {
    return api.put("/v1/teams/" + team, key, body, type);
  }

  /** A 400 whose message contains {@code fragment}, in the error shape agents' definitions use. */
  private static void assertInvalid(Api.Response r, String fragment) {
    assertEquals(400, r.status(), r.raw());
    assertEquals("invalid_request", r.errorCode(), r.raw());
    String message = r.body().path("error").path("message").asText();
    assertTrue(message.contains(fragment), message);
  }

  @Test
  void registersATeamFromYamlAndAnIdenticalPutIsAnUnchanged200() {
    Api.Response created = put("research", "acme-dev", RESEARCH_YAML, YAML);
    assertEquals(201, created.status(), created.raw());
    assertEquals(1, created.body().path("version").asInt());
    assertEquals("pipeline", created.text("pattern"));
    assertEquals("30m", created.body().path("limits").path("deadline").asText());
    assertEquals(2.5, created.body().path("limits").path("maxCostUsd").asDouble());
    assertEquals("report", created.body().path("done").path("artifact").asText());
    assertEquals(
        "compliance-checker", created.body().path("members").get(1).path("agent").asText());
    assertFalse(created.body().has("rules"), "rules belong to blackboard teams only");

    Api.Response again = put("research", "acme-dev", RESEARCH_YAML, YAML);
    assertEquals(200, again.status(), again.raw());
    assertEquals(1, again.body().path("version").asInt());

    Api.Response read = api.get("/v1/teams/research", "acme-dev");
    assertEquals(200, read.status());
    assertEquals(created.body(), read.body());
  }

  @Test
  void registersATeamFromJsonAndAChangeIsANewVersion() {
    String json =
        "{\"members\":[{\"role\":\"lead\",\"agent\":\"researcher\"},"
            + "{\"role\":\"writer\",\"agent\":\"summarizer\"}],"
            + "\"entry\":\"lead\",\"pattern\":\"supervisor\",\"delegates\":[\"writer\"],"
            + "\"done\":{\"when\":\"has(artifacts.report)\"},"
            + "\"limits\":{\"maxTurns\":%d}}";
    Api.Response created = put("refunds", "acme-dev", json.formatted(10), JSON);
    assertEquals(201, created.status(), created.raw());
    assertEquals("writer", created.body().path("delegates").get(0).asText());
    assertEquals("has(artifacts.report)", created.body().path("done").path("when").asText());
    assertFalse(created.body().path("limits").has("deadline"));

    Api.Response changed = put("refunds", "acme-dev", json.formatted(12), JSON);
    assertEquals(200, changed.status(), changed.raw());
    assertEquals(2, changed.body().path("version").asInt());
  }

  @Test
  void aBlackboardTeamReadsItsRulesFromYaml() {
    // `on` is a YAML 1.1 boolean word: as a key it must still read as the field name
    String yaml =
        """
        members:
          - {role: writer, agent: summarizer}
          - {role: critic, agent: compliance-checker}
        entry: writer
        pattern: blackboard
        rules:
          - {on: artifact, name: draft, from: writer, notify: critic}
          - {on: post, from: critic, notify: writer}
        limits: {maxRounds: 6}
        """;
    Api.Response created = put("review", "acme-dev", yaml, YAML);
    assertEquals(201, created.status(), created.raw());
    assertEquals("artifact", created.body().path("rules").get(0).path("on").asText());
    assertEquals("draft", created.body().path("rules").get(0).path("name").asText());
    assertEquals("post", created.body().path("rules").get(1).path("on").asText());
    assertFalse(created.body().path("rules").get(1).has("name"));
  }

  @Test
  void listsTheTenantsTeamsSortedByName() {
    put("zeta", "acme-dev", RESEARCH_YAML, YAML);
    put("alpha", "acme-dev", RESEARCH_YAML, YAML);
    Api.Response list = api.get("/v1/teams", "acme-dev");
    assertEquals(200, list.status());
    List<String> names = new java.util.ArrayList<>();
    list.body().path("items").forEach(t -> names.add(t.path("name").asText()));
    assertTrue(names.indexOf("alpha") >= 0 && names.indexOf("alpha") < names.indexOf("zeta"));
  }

  @Test
  void anUnregisteredAgentIs400NamingIt() {
    Api.Response r =
        put("ghosts", "acme-dev", RESEARCH_YAML.replace("agent: summarizer", "agent: ghost"), YAML);
    assertEquals(400, r.status(), r.raw());
    assertEquals("unknown_agent", r.errorCode());
    assertTrue(r.raw().contains("summarizer: ghost"), r.raw());
    assertEquals(404, api.get("/v1/teams/ghosts", "acme-dev").status());
  }

  @Test
  void anUnknownRoleIs400() {
    assertInvalid(
        put(
            "bad-role",
            "acme-dev",
            RESEARCH_YAML.replace("entry: researcher", "entry: boss"),
            YAML),
        "entry: 'boss' is not a member role");
    assertInvalid(
        put(
            "bad-order",
            "acme-dev",
            RESEARCH_YAML.replace(
                "order: [researcher, compliance, summarizer]", "order: [researcher, editor]"),
            YAML),
        "order[1]: 'editor' is not a member role");
  }

  @Test
  void aCycleWithoutALimitIs400() {
    String yaml =
        """
        members:
          - {role: lead, agent: researcher}
          - {role: writer, agent: summarizer}
        entry: lead
        pattern: supervisor
        limits: {maxCostUsd: 5}
        """;
    assertInvalid(
        put("loop", "acme-dev", yaml, YAML), "limits.maxCostUsd alone does not end a loop");
  }

  @Test
  void aDoneConditionThatDoesNotCompileIs400() {
    assertInvalid(
        put(
            "bad-cel",
            "acme-dev",
            RESEARCH_YAML.replace(
                "done: {artifact: report}", "done: {when: \"session.turns > 2\"}"),
            YAML),
        "done.when: ");
  }

  @Test
  void aSettingOfAnotherPatternIs400NamingIt() {
    assertInvalid(
        put("wrong", "acme-dev", RESEARCH_YAML + "rules: [{on: post, notify: summarizer}]\n", YAML),
        "rules applies to pattern blackboard only");
    assertInvalid(
        put("wrong", "acme-dev", RESEARCH_YAML + "delegates: [compliance]\n", YAML),
        "delegates applies to pattern supervisor only");
  }

  @Test
  void anUnknownFieldIs400LikeAnAgents() {
    assertInvalid(
        put("typo", "acme-dev", RESEARCH_YAML + "maxRounds: 3\n", YAML),
        "unknown field 'maxRounds'");
    assertInvalid(
        put(
            "typo",
            "acme-dev",
            RESEARCH_YAML.replace(
                "{role: researcher, agent: researcher}", "{role: researcher, agnet: researcher}"),
            YAML),
        "unknown field 'members[0].agnet'");
  }

  @Test
  void doneNeedsExactlyOneOfArtifactAndWhen() {
    assertInvalid(
        put(
            "both",
            "acme-dev",
            RESEARCH_YAML.replace(
                "done: {artifact: report}", "done: {artifact: report, when: \"true\"}"),
            YAML),
        "done needs exactly one of artifact");
  }

  @Test
  void aBadDeadlineIs400() {
    assertInvalid(
        put("slow", "acme-dev", RESEARCH_YAML.replace("deadline: 30m", "deadline: soon"), YAML),
        "limits.deadline 'soon' is not a duration");
    assertInvalid(
        put("slow", "acme-dev", RESEARCH_YAML.replace("deadline: 30m", "deadline: 800h"), YAML),
        "limits.deadline must be at most 30 days");
  }

  @Test
  void anotherTenantsTeamIsNotFound() {
    assertEquals(201, put("globex-only", "globex-dev", RESEARCH_YAML, YAML).status());
    Api.Response r = api.get("/v1/teams/globex-only", "acme-dev");
    assertEquals(404, r.status(), r.raw());
    assertEquals("team_not_found", r.errorCode());
    Api.Response list = api.get("/v1/teams", "acme-dev");
    list.body()
        .path("items")
        .forEach(t -> assertFalse(t.path("name").asText().equals("globex-only")));
    assertEquals(200, api.get("/v1/teams/globex-only", "globex-dev").status());
  }

  @Test
  void definingATeamTakesTheDeveloperRole() {
    Api.Response r = put("ops-team", "acme-op", RESEARCH_YAML, YAML);
    assertEquals(403, r.status(), r.raw());
    assertEquals("forbidden", r.errorCode());
    assertTrue(r.raw().contains("defining teams"), r.raw());
    assertEquals(404, api.get("/v1/teams/ops-team", "acme-dev").status());
    // reading takes no particular role, as for agents
    put("readable", "acme-dev", RESEARCH_YAML, YAML);
    assertEquals(200, api.get("/v1/teams/readable", "acme-op").status());
  }

  @Test
  void aCallerWithoutACredentialIs401() {
    assertEquals(401, api.get("/v1/teams", null).status());
    assertEquals(401, put("anon", null, RESEARCH_YAML, YAML).status());
  }

  @Test
  void aTeamNameThatIsNotANameIs400() {
    assertInvalid(put("9lives", "acme-dev", RESEARCH_YAML, YAML), "team name '9lives'");
  }
}
