package io.statehouse.runtime.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.testing.Specs;
import java.time.Clock;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CatalogTest {
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

  private StatusReply<Catalog.ToolRegistration> putTool(ToolSpec spec) {
    return catalog
        .<StatusReply<Catalog.ToolRegistration>>runCommand(
            r -> new Catalog.PutTool(spec, "user:alice", r))
        .reply();
  }

  private StatusReply<Catalog.AgentRegistration> putAgent(AgentSpec spec) {
    return catalog
        .<StatusReply<Catalog.AgentRegistration>>runCommand(
            r -> new Catalog.PutAgent(spec, "user:alice", r))
        .reply();
  }

  @Test
  void versionsStartAtOneAndGrowOnlyWhenTheDefinitionChanges() {
    assertEquals(1, putTool(Specs.tool("search", true)).getValue().spec().version());
    Catalog.ToolRegistration same = putTool(Specs.tool("search", true)).getValue();
    assertEquals(1, same.spec().version());
    assertFalse(same.changed());
    Catalog.ToolRegistration changed = putTool(Specs.tool("search", false)).getValue();
    assertEquals(2, changed.spec().version());
    assertTrue(changed.changed());
    assertEquals(2, catalog.getState().tool("search").orElseThrow().version());
  }

  @Test
  void refusesAnAgentThatNamesUnregisteredToolsAndStoresNothing() {
    var reply = putAgent(Specs.agent(List.of("search", "ghost"), 3, false));
    assertEquals("unknown_tool", ((Rejection) reply.getError()).code());
    assertTrue(reply.getError().getMessage().contains("ghost"));
    assertTrue(catalog.getState().agents().isEmpty());
  }

  @Test
  void resolvesAnAgentWithTheCurrentSpecsOfItsTools() {
    putTool(Specs.tool("search", true));
    putAgent(Specs.agent(List.of("search"), 3, false));
    var resolved =
        catalog
            .<StatusReply<Catalog.ResolvedAgent>>runCommand(r -> new Catalog.Resolve("helper", r))
            .reply()
            .getValue();
    assertEquals("helper", resolved.agent().name());
    assertEquals(List.of("search"), resolved.tools().stream().map(ToolSpec::name).toList());
    var missing =
        catalog
            .<StatusReply<Catalog.ResolvedAgent>>runCommand(r -> new Catalog.Resolve("nobody", r))
            .reply();
    assertEquals("agent_not_found", ((Rejection) missing.getError()).code());
  }

  @Test
  void theCatalogSurvivesARestart() {
    putTool(Specs.tool("search", true));
    putAgent(Specs.agent(List.of("search"), 3, false));
    catalog.restart();
    assertEquals(1, catalog.getState().agent("helper").orElseThrow().version());
  }
}
