package io.statehouse.api.demo;

import com.typesafe.config.Config;
import io.statehouse.api.http.ApiKeys;
import io.statehouse.runtime.Asks;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.policy.PolicyRule;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the demo tools and agents for every tenant that has an API key, through the same
 * catalog commands the API uses. Re-registering an unchanged definition is a no-op, so restarts are
 * safe.
 */
public final class DemoContent {
  private static final Logger log = LoggerFactory.getLogger(DemoContent.class);

  /** The documented demo keys (plain text). Only those whose hash is configured are announced. */
  public static final List<String> DEMO_KEYS =
      List.of(
          "sh-demo-acme-alice", "sh-demo-acme-bob", "sh-demo-acme-olivia", "sh-demo-globex-carol");

  public static final List<String> AGENTS =
      List.of(
          "weather-assistant",
          "refund-agent",
          "report-agent",
          "approved-refunds",
          "researcher",
          "compliance-checker",
          "summarizer",
          "refund-lead",
          "refund-clerk");

  /** The demo teams (docs/teams.md). */
  public static final List<String> TEAMS = List.of("research", "refund-desk");

  private DemoContent() {}

  public static List<String> configuredDemoKeys(ApiKeys keys) {
    return DEMO_KEYS.stream()
        .flatMap(
            k ->
                keys.authenticate("Bearer " + k).stream()
                    .map(p -> k + "  tenant " + p.tenant() + ", " + p.subject() + " " + p.roles()))
        .toList();
  }

  public static void register(
      StatehouseRuntime runtime, Config config, int httpPort, Duration within) throws Exception {
    DemoModel model =
        DemoModel.choose(
            config.getString("statehouse.demo.model"),
            config.getString("statehouse.models.bedrock.region"),
            System::getenv,
            Path.of(System.getProperty("user.home")));
    if (!model.scripted()) {
      log.info(
          "demo agents run on {} model {} (statehouse.demo.model / STATEHOUSE_DEMO_MODEL;"
              + " 'scripted' for the offline model)",
          model.provider(),
          model.id());
    }
    // the node's own /demo/tools, unless the tools run as a server of their own (a local cluster)
    String toolsUrl = config.getString("statehouse.demo.tools-url");
    String base =
        toolsUrl.isEmpty()
            ? "http://127.0.0.1:" + httpPort + "/demo/tools/"
            : (toolsUrl.endsWith("/") ? toolsUrl : toolsUrl + "/") + "demo/tools/";
    List<ToolSpec> tools =
        List.of(
            tool(
                "weather",
                "Current weather for a city",
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}",
                true,
                "GET",
                base + "weather",
                Duration.ofSeconds(5)),
            tool(
                "issue_refund",
                "Issue a refund for an order (takes 5 seconds; not idempotent)",
                "{\"type\":\"object\",\"properties\":{\"orderId\":{\"type\":\"string\"},\"amountEur\":{\"type\":\"number\"}},\"required\":[\"orderId\",\"amountEur\"]}",
                false,
                "POST",
                base + "refunds",
                Duration.ofSeconds(15)),
            tool(
                "build_report",
                "Build a quarterly report (takes 8 seconds)",
                "{\"type\":\"object\",\"properties\":{\"quarter\":{\"type\":\"string\"}}}",
                true,
                "POST",
                base + "report",
                Duration.ofSeconds(20)));
    // the refund agents of the demo: above 100 EUR an approver decides
    PolicyRule refundsNeedAnApprover =
        PolicyRule.requireApproval(
            "issue_refund",
            "input.amountEur > 100",
            List.of("approver"),
            "refunds above 100 EUR need an approver",
            Duration.ofHours(72));
    List<AgentSpec> agents =
        List.of(
            agent(
                model,
                "weather-assistant",
                "Answers questions about the weather",
                List.of("weather"),
                step(null, "weather", "{\"city\":\"Paris\"}"),
                step(
                    "I checked the weather in Paris for you: see the tool result above.",
                    null,
                    null)),
            agent(
                model,
                "refund-agent",
                "Issues refunds",
                List.of("issue_refund"),
                step(null, "issue_refund", "{\"orderId\":\"A-1001\",\"amountEur\":25}"),
                step("The refund for order A-1001 is issued.", null, null)),
            agent(
                    model,
                    "approved-refunds",
                    "Issues refunds; refunds above 100 EUR wait for an approver",
                    List.of("issue_refund"),
                    step(null, "issue_refund", "{\"orderId\":\"A-2002\",\"amountEur\":150}"),
                    step("The refund of 150 EUR for order A-2002 is issued.", null, null))
                .withGovernance(List.of(refundsNeedAnApprover), null),
            agent(
                model,
                "report-agent",
                "Builds reports slowly (try killing the node mid-call)",
                List.of("build_report"),
                step(null, "build_report", "{\"quarter\":\"Q3\"}"),
                step("Your Q3 report is ready.", null, null)),
            // the research team (docs/teams.md): a pipeline of three roles
            agent(
                model,
                "researcher",
                "Gathers findings on the question into the workspace artifact 'findings'",
                List.of(),
                step(
                    null,
                    "workspace_put_artifact",
                    "{\"name\":\"findings\",\"expectedVersion\":0,\"content\":"
                        + "\"1. Tides are caused mainly by the Moon's gravity (NOAA).\\n"
                        + "2. The Sun adds a smaller tide; aligned, they make spring tides.\\n"
                        + "3. Most coasts see two high tides a day.\"}"),
                step("My findings are in the workspace.", null, null)),
            agent(
                model,
                "compliance-checker",
                "Reviews the findings against the guidelines (every claim cites a source) and flags"
                    + " issues as posts to the summarizer",
                List.of(),
                step(null, "workspace_read", "{\"artifact\":\"findings\"}"),
                new ScriptStep(
                    null,
                    List.of(
                        new ScriptStep.Call(
                            "workspace_post",
                            json(
                                "{\"to\":\"summarizer\",\"text\":\"Findings 2 and 3 cite no"
                                    + " source: say so in the report.\"}")),
                        new ScriptStep.Call(
                            "workspace_put_artifact",
                            json(
                                "{\"name\":\"review\",\"expectedVersion\":0,\"content\":"
                                    + "\"Finding 1 cites NOAA. Findings 2 and 3 cite no source."
                                    + " No other issue.\"}")))),
                step("Reviewed; one issue flagged to the summarizer.", null, null)),
            agent(
                model,
                "summarizer",
                "Drafts the report 'report' from the reviewed findings, addressing every flagged issue",
                List.of(),
                step(
                    null,
                    "workspace_put_artifact",
                    "{\"name\":\"report\",\"expectedVersion\":0,\"content\":"
                        + "\"Tides come mainly from the Moon's gravity (NOAA); the Sun adds a"
                        + " smaller tide, and most coasts see two high tides a day (unsourced, per"
                        + " the compliance review).\"}"),
                step("The report is in the workspace.", null, null)),
            // the refund case as a supervisor team: the lead delegates, the clerk's refund waits
            // for an approver, the lead writes the resolution once the clerk reports
            agent(
                model,
                "refund-lead",
                "Leads the refund desk: hands each refund to the clerk with workspace_handoff, then"
                    + " writes the artifact 'resolution' from the clerk's report",
                List.of(),
                step(
                    null,
                    "workspace_handoff",
                    "{\"to\":\"clerk\",\"title\":\"Refund 180 EUR for order A-3003\","
                        + "\"detail\":\"The parcel arrived damaged; the customer sent photos.\"}"),
                step("The refund is with the clerk.", null, null),
                step(
                    null,
                    "workspace_put_artifact",
                    "{\"name\":\"resolution\",\"expectedVersion\":0,\"content\":"
                        + "\"Order A-3003: 180 EUR refunded after an approver's decision.\"}"),
                step("Resolved: see the workspace artifact 'resolution'.", null, null)),
            agent(
                    model,
                    "refund-clerk",
                    "Issues the refunds the lead hands over; refunds above 100 EUR wait for an"
                        + " approver",
                    List.of("issue_refund"),
                    step(null, "issue_refund", "{\"orderId\":\"A-3003\",\"amountEur\":180}"),
                    step("The refund of 180 EUR for order A-3003 is issued.", null, null))
                .withGovernance(List.of(refundsNeedAnApprover), null));
    List<TeamSpec> teams =
        List.of(
            new TeamSpec(
                "research",
                0,
                "Research, compliance review, report",
                List.of(
                    new TeamSpec.Member("researcher", "researcher"),
                    new TeamSpec.Member("compliance", "compliance-checker"),
                    new TeamSpec.Member("summarizer", "summarizer")),
                "researcher",
                new TeamSpec.Pipeline(List.of()),
                new TeamSpec.Done("report", null),
                new TeamSpec.TeamLimits(null, 10, null, Duration.ofMinutes(30))),
            new TeamSpec(
                "refund-desk",
                0,
                "The refund case: a lead delegates to a clerk whose large refunds need an approver",
                List.of(
                    new TeamSpec.Member("lead", "refund-lead"),
                    new TeamSpec.Member("clerk", "refund-clerk")),
                "lead",
                new TeamSpec.Supervisor(List.of("clerk")),
                new TeamSpec.Done("resolution", null),
                // the approver has 72 hours; the run waits as long
                new TeamSpec.TeamLimits(null, 6, null, Duration.ofHours(73))));

    Set<String> tenants = new LinkedHashSet<>();
    config.getConfigList("statehouse.api.keys").forEach(c -> tenants.add(c.getString("tenant")));
    long deadline = System.nanoTime() + within.toNanos();
    for (String tenant : tenants) {
      Principal runtimeActor = new Principal(tenant, "demo-setup", List.of());
      for (ToolSpec t : tools) {
        retry(
            deadline,
            () ->
                Asks.askWithStatus(
                        runtime.catalog(tenant),
                        Catalog.ToolRegistration.class,
                        r -> new Catalog.PutTool(t, runtimeActor.actor(), r),
                        Duration.ofSeconds(10))
                    .toCompletableFuture()
                    .get(15, TimeUnit.SECONDS));
      }
      for (AgentSpec a : agents) {
        retry(
            deadline,
            () ->
                Asks.askWithStatus(
                        runtime.catalog(tenant),
                        Catalog.AgentRegistration.class,
                        r -> new Catalog.PutAgent(a, runtimeActor.actor(), r),
                        Duration.ofSeconds(10))
                    .toCompletableFuture()
                    .get(15, TimeUnit.SECONDS));
      }
      for (TeamSpec t : teams) {
        retry(
            deadline,
            () ->
                Asks.askWithStatus(
                        runtime.catalog(tenant),
                        Catalog.TeamRegistration.class,
                        r -> new Catalog.PutTeam(t, runtimeActor.actor(), r),
                        Duration.ofSeconds(10))
                    .toCompletableFuture()
                    .get(15, TimeUnit.SECONDS));
      }
    }
    log.info("demo tools, agents and teams registered for tenants {}", tenants);
  }

  private interface Attempt {
    Object run() throws Exception;
  }

  /** The catalog is reachable only once the cluster and its journal are up; wait for that. */
  private static void retry(long deadline, Attempt attempt) throws Exception {
    while (true) {
      try {
        attempt.run();
        return;
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        log.info("catalog not reachable yet ({}); retrying at {}", e.toString(), Instant.now());
        Thread.sleep(1000);
      }
    }
  }

  private static ToolSpec tool(
      String name,
      String description,
      String schema,
      boolean idempotent,
      String method,
      String url,
      Duration timeout) {
    // the demo tools are served by the node itself: a session resumed while the node starts may
    // call
    // one before HTTP is bound, so idempotent ones retry for longer than a start takes
    return new ToolSpec(
        name,
        0,
        description,
        json(schema),
        idempotent,
        timeout,
        new RetryPolicy(6, Duration.ofSeconds(1), Duration.ofSeconds(4)),
        new HttpTarget(method, url, null));
  }

  private static AgentSpec agent(
      DemoModel model, String name, String description, List<String> tools, ScriptStep... script) {
    return new AgentSpec(
        name,
        0,
        description,
        "You are a demo agent of Statehouse. "
            + description
            + ". Call your tool when the question needs it, then answer in one or two sentences.",
        model.spec(List.of(script)),
        tools,
        new Limits(8, 0, null));
  }

  private static ScriptStep step(String text, String tool, String input) {
    return tool == null
        ? new ScriptStep(text, List.of())
        : new ScriptStep(null, List.of(new ScriptStep.Call(tool, json(input))));
  }

  private static com.fasterxml.jackson.databind.JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
