package io.statehouse.runtime.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.catalog.TeamSpec.Member;
import io.statehouse.runtime.testing.Specs;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Teams in the catalog. The behaviour test kit checks that every command, event, reply and state
 * survives serialization.
 */
class CatalogTeamTest {
  private static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private EventSourcedBehaviorTestKit<Catalog.Command, CatalogEvent, CatalogState> catalog;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void fresh() {
    catalog =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), Catalog.create("acme", Clock.systemUTC()));
  }

  private static AgentSpec agent(String name, String instructions, List<String> tools) {
    return new AgentSpec(
        name,
        0,
        "",
        instructions,
        new ModelSpec("scripted", null, null, false, List.of(Specs.text("done"))),
        tools,
        new Limits(3, 0, null));
  }

  private static TeamSpec research(String description) {
    return new TeamSpec(
        "research",
        0,
        description,
        List.of(new Member("researcher", "researcher"), new Member("summarizer", "summarizer")),
        "researcher",
        new TeamSpec.Pipeline(List.of()),
        new TeamSpec.Done("report", null),
        new TeamSpec.TeamLimits(6, 20, new java.math.BigDecimal("2.50"), Duration.ofMinutes(30)));
  }

  private void putAgent(AgentSpec spec) {
    assertTrue(
        catalog
            .<StatusReply<Catalog.AgentRegistration>>runCommand(
                r -> new Catalog.PutAgent(spec, "user:alice", r))
            .reply()
            .isSuccess());
  }

  private void putBothAgents() {
    putAgent(agent("researcher", "Research.", List.of()));
    putAgent(agent("summarizer", "Summarize.", List.of()));
  }

  private StatusReply<Catalog.TeamRegistration> putTeam(TeamSpec spec) {
    return catalog
        .<StatusReply<Catalog.TeamRegistration>>runCommand(
            r -> new Catalog.PutTeam(spec, "user:alice", r))
        .reply();
  }

  private StatusReply<Catalog.ResolvedTeam> resolve(String name) {
    return catalog
        .<StatusReply<Catalog.ResolvedTeam>>runCommand(r -> new Catalog.ResolveTeam(name, r))
        .reply();
  }

  @Test
  void teamVersionsStartAtOneAndGrowOnlyWhenTheDefinitionChanges() {
    putBothAgents();
    Catalog.TeamRegistration first = putTeam(research("v1")).getValue();
    assertEquals(1, first.spec().version());
    assertTrue(first.changed());
    Catalog.TeamRegistration same = putTeam(research("v1")).getValue();
    assertEquals(1, same.spec().version());
    assertFalse(same.changed());
    Catalog.TeamRegistration changed = putTeam(research("v2")).getValue();
    assertEquals(2, changed.spec().version());
    assertTrue(changed.changed());
    assertEquals(2, catalog.getState().team("research").orElseThrow().version());
  }

  @Test
  void refusesATeamNamingAnUnregisteredAgentNamesItAndStoresNothing() {
    putAgent(agent("researcher", "Research.", List.of()));
    var reply = putTeam(research("v1"));
    assertEquals("unknown_agent", ((Rejection) reply.getError()).code());
    assertTrue(reply.getError().getMessage().contains("summarizer: summarizer"));
    assertTrue(catalog.getState().teams().isEmpty());
  }

  @Test
  void getsAndListsTeamsSortedByName() {
    putBothAgents();
    putTeam(research("r"));
    TeamSpec other =
        new TeamSpec(
            "audit",
            0,
            "",
            List.of(new Member("only", "summarizer")),
            "only",
            new TeamSpec.Pipeline(List.of()),
            null,
            null);
    putTeam(other);
    TeamSpec got =
        catalog
            .<StatusReply<TeamSpec>>runCommand(r -> new Catalog.GetTeam("research", r))
            .reply()
            .getValue();
    assertTrue(got.sameDefinitionAs(research("r")));
    assertEquals(1, got.version());
    var missing =
        catalog.<StatusReply<TeamSpec>>runCommand(r -> new Catalog.GetTeam("nobody", r)).reply();
    assertEquals("team_not_found", ((Rejection) missing.getError()).code());
    Catalog.TeamListing listing =
        catalog.<Catalog.TeamListing>runCommand(Catalog.ListTeams::new).reply();
    assertEquals(
        List.of("audit", "research"), listing.teams().stream().map(TeamSpec::name).toList());
  }

  @Test
  void resolveTeamPinsEachRolesAgentAndItsToolsAtTheirCurrentVersions() {
    catalog
        .<StatusReply<Catalog.ToolRegistration>>runCommand(
            r -> new Catalog.PutTool(Specs.tool("search", true), "user:alice", r))
        .reply()
        .getValue();
    putAgent(agent("researcher", "Research.", List.of("search")));
    putAgent(agent("summarizer", "Summarize.", List.of()));
    putTeam(research("r"));
    // the agent changes after the team was registered: a run pins the version current now
    putAgent(agent("summarizer", "Summarize briefly.", List.of()));

    Catalog.ResolvedTeam resolved = resolve("research").getValue();
    assertEquals(1, resolved.team().version());
    assertEquals(java.util.Set.of("researcher", "summarizer"), resolved.agents().keySet());
    Catalog.ResolvedAgent researcher = resolved.agents().get("researcher");
    assertEquals(1, researcher.agent().version());
    assertEquals(List.of("search"), researcher.tools().stream().map(ToolSpec::name).toList());
    Catalog.ResolvedAgent summarizer = resolved.agents().get("summarizer");
    assertEquals(2, summarizer.agent().version());
    assertEquals("Summarize briefly.", summarizer.agent().instructions());
  }

  @Test
  void resolvingAnUnknownTeamIsTeamNotFound() {
    assertEquals("team_not_found", ((Rejection) resolve("nobody").getError()).code());
  }

  @Test
  void teamsSurviveARestart() {
    putBothAgents();
    putTeam(research("r"));
    catalog.restart();
    assertEquals(1, catalog.getState().team("research").orElseThrow().version());
    assertEquals(Map.of(), catalog.getState().mcpServers());
  }

  @Test
  void aCatalogStateWrittenBeforeTeamsReadsBackWithNoTeams() throws Exception {
    Serialization serialization = SerializationExtension.get(testKit.system());
    CatalogState before = new CatalogState(Map.of("search", Specs.tool("search", true)), Map.of());
    Serializer serializer = serialization.findSerializerFor(before);
    String manifest = Serializers.manifestFor(serializer, before);
    // the state as a node before teams wrote it: the same fields, no "teams"
    CBORMapper cbor = new CBORMapper();
    ObjectNode tree = (ObjectNode) cbor.readTree(serialization.serialize(before).get());
    assertTrue(tree.has("teams"));
    tree.remove("teams");
    byte[] old = cbor.writeValueAsBytes(tree);

    CatalogState read =
        (CatalogState) serialization.deserialize(old, serializer.identifier(), manifest).get();
    assertEquals(Map.of(), read.teams());
    assertEquals(before.tools(), read.tools());
    CatalogState next =
        read.apply(
            new CatalogEvent.TeamRegistered(
                java.time.Instant.EPOCH, "user:alice", research("r").withVersion(1)));
    assertEquals(1, next.team("research").orElseThrow().version());
  }
}
