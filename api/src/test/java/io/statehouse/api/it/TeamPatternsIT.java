package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The supervisor and blackboard patterns, concurrent writers on one artifact and the run limits,
 * end to end over real HTTP on the real Cassandra, on the scripted model. Each test registers its
 * own agents and team, so the tests share the node and nothing else.
 *
 * <p>A scripted model's reply is chosen by how many assistant messages its session has, so a
 * member's script runs on across the turns the workspace delivers to it: the steps of its second
 * turn follow those of its first.
 */
@ExtendWith(CassandraExtension.class)
class TeamPatternsIT {
  /** The scripted model id the node prices; every other scripted model costs nothing. */
  private static final String PRICED_MODEL = "priced-it";

  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    // 100 USD per million input tokens and 1,000 per million output tokens (a scripted token is a
    // word): a 30-word answer costs 0.03 USD
    node =
        StatehouseNode.start(
            NodeConfig.full(
                keyspaces,
                0,
                "statehouse.models.prices.scripted.\""
                    + PRICED_MODEL
                    + "\" { input = 100, output = 1000 }"));
    api = new Api("127.0.0.1", node.port());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  // ---- 1. supervisor ----------------------------------------------------------------------------

  /**
   * The boss hands the draft to the writer; the writer's report comes back to the boss, which hands
   * the check to the checker; the checker's report comes back and the boss writes {@code final},
   * the done condition. Sequential hand-offs make the order of the run the same every time.
   */
  @Test
  void aSupervisorDelegatesInTurnHearsEachReportAndEndsTheRunByWritingTheDoneArtifact() {
    api.putAgent(
        ACME_ALICE,
        "sup-boss",
        Defs.agent(
            "[]",
            script(
                handoff("writer", "write the draft"),
                Defs.text("delegated the draft"),
                handoff("checker", "check the draft"),
                Defs.text("delegated the check"),
                read("review"),
                put("final", "Final: tides follow the moon, checked.", 0),
                Defs.text("run done")),
            false,
            null));
    api.putAgent(
        ACME_ALICE,
        "sup-writer",
        Defs.agent(
            "[]",
            script(put("draft", "Tides follow the moon.", 0), Defs.text("draft written")),
            false,
            null));
    api.putAgent(
        ACME_ALICE,
        "sup-checker",
        Defs.agent(
            "[]",
            script(
                read("draft"),
                put("review", "The draft is sound.", 0),
                Defs.text("review written")),
            false,
            null));
    putTeam(
        "sup-team",
        "{\"members\":[{\"role\":\"boss\",\"agent\":\"sup-boss\"},"
            + "{\"role\":\"writer\",\"agent\":\"sup-writer\"},"
            + "{\"role\":\"checker\",\"agent\":\"sup-checker\"}],"
            + "\"entry\":\"boss\",\"pattern\":\"supervisor\",\"delegates\":[\"writer\",\"checker\"],"
            + "\"done\":{\"artifact\":\"final\"},\"limits\":{\"maxTurns\":8}}");

    JsonNode ws = awaitEnd(startRun("sup-team", "Why are there tides?"));

    assertEquals("done", ws.path("status").asText(), ws.toString());
    assertEquals("the done condition holds (after boss's turn)", ws.path("reason").asText());
    assertEquals(
        List.of("draft:1:writer", "review:1:checker", "final:1:boss"),
        texts(ws.path("history"), "name", "version", "role"));
    assertEquals(
        List.of("boss:3", "writer:1", "checker:1"), texts(ws.path("members"), "role", "turns"));
    assertEquals(5, ws.path("turns").asInt());
    // input (1) → writer (2) → report (3) → checker (4) → report (5)
    assertEquals(5, ws.path("round").asInt());
    assertEquals(
        List.of("boss:writer:write the draft", "boss:checker:check the draft"),
        texts(ws.path("tasks"), "from", "owner", "title"));

    String boss = sessionOf(ws, "boss");
    String writer = sessionOf(ws, "writer");
    String checker = sessionOf(ws, "checker");
    assertEquals(3, api.get("/v1/sessions/" + boss, ACME_ALICE).body().path("turns").asInt());
    assertEquals(1, api.get("/v1/sessions/" + writer, ACME_ALICE).body().path("turns").asInt());
    assertEquals(1, api.get("/v1/sessions/" + checker, ACME_ALICE).body().path("turns").asInt());

    // the boss got the input, then one report per delegate, each with its answer and its task
    List<String> toBoss = delivered(boss);
    assertEquals(3, toBoss.size(), toBoss.toString());
    assertTrue(toBoss.get(0).contains("Why are there tides?"), toBoss.get(0));
    assertTrue(toBoss.get(1).contains("writer ended its turn: completed"), toBoss.get(1));
    assertTrue(toBoss.get(1).contains("draft written"), toBoss.get(1));
    assertTrue(toBoss.get(1).contains("(write the draft): open"), toBoss.get(1));
    assertTrue(toBoss.get(2).contains("checker ended its turn: completed"), toBoss.get(2));
    assertTrue(toBoss.get(2).contains("review written"), toBoss.get(2));
    // each delegate got its task, and the checker read what the writer wrote
    assertTrue(delivered(writer).get(0).contains("from boss: write the draft"));
    assertTrue(delivered(checker).get(0).contains("from boss: check the draft"));
    assertTrue(toolResults(checker).get(0).contains("Tides follow the moon."));
    assertEquals(
        "Final: tides follow the moon, checked.",
        api.get(
                "/v1/workspaces/" + ws.path("workspaceId").asText() + "/artifacts/final",
                ACME_ALICE)
            .body()
            .path("content")
            .asText());
  }

  // ---- 2. blackboard ----------------------------------------------------------------------------

  /**
   * The author's draft notifies the critic (a rule on artifact {@code draft}); the critic's post
   * notifies the author (a rule on posts from the critic), who writes the draft again; the second
   * draft notifies the critic, who approves it; the approval notifies the editor, whose {@code
   * final} is the done condition.
   */
  @Test
  void aBlackboardMembersReactToWhatAppearsAndTheRunStopsOnItsDoneCondition() {
    api.putAgent(
        ACME_ALICE,
        "bb-author",
        Defs.agent(
            "[]",
            script(
                put("draft", "Draft one.", 0),
                Defs.text("drafted"),
                put("draft", "Draft two, intro tightened.", 1),
                Defs.text("redrafted")),
            false,
            null));
    api.putAgent(
        ACME_ALICE,
        "bb-critic",
        Defs.agent(
            "[]",
            script(
                read("draft"),
                post("tighten the intro"),
                Defs.text("critiqued"),
                read("draft"),
                put("approved", "Draft two is fine.", 0),
                Defs.text("approved")),
            false,
            null));
    api.putAgent(
        ACME_ALICE,
        "bb-editor",
        Defs.agent(
            "[]",
            script(read("draft"), put("final", "Final: draft two.", 0), Defs.text("published")),
            false,
            null));
    putTeam(
        "bb-team",
        "{\"members\":[{\"role\":\"author\",\"agent\":\"bb-author\"},"
            + "{\"role\":\"critic\",\"agent\":\"bb-critic\"},"
            + "{\"role\":\"editor\",\"agent\":\"bb-editor\"}],"
            + "\"entry\":\"author\",\"pattern\":\"blackboard\",\"rules\":["
            + "{\"on\":\"artifact\",\"name\":\"draft\",\"notify\":\"critic\"},"
            + "{\"on\":\"post\",\"from\":\"critic\",\"notify\":\"author\"},"
            + "{\"on\":\"artifact\",\"name\":\"approved\",\"notify\":\"editor\"}],"
            + "\"done\":{\"artifact\":\"final\"},\"limits\":{\"maxTurns\":10}}");

    JsonNode ws = awaitEnd(startRun("bb-team", "Write about tides."));

    assertEquals("done", ws.path("status").asText(), ws.toString());
    assertEquals("the done condition holds (after editor's turn)", ws.path("reason").asText());
    assertEquals(
        List.of("draft:1:author", "draft:2:author", "approved:1:critic", "final:1:editor"),
        texts(ws.path("history"), "name", "version", "role"));
    assertEquals(
        List.of("author:2", "critic:2", "editor:1"), texts(ws.path("members"), "role", "turns"));
    assertEquals(5, ws.path("turns").asInt());
    assertEquals(5, ws.path("round").asInt());
    assertEquals(List.of("critic:tighten the intro"), texts(ws.path("posts"), "from", "text"));

    String author = sessionOf(ws, "author");
    String critic = sessionOf(ws, "critic");
    String editor = sessionOf(ws, "editor");
    // what each rule delivered, and to whom
    List<String> toAuthor = delivered(author);
    assertEquals(2, toAuthor.size(), toAuthor.toString());
    assertTrue(toAuthor.get(1).contains("Post from critic on the board:\ntighten the intro"));
    List<String> toCritic = delivered(critic);
    assertEquals(2, toCritic.size(), toCritic.toString());
    assertTrue(toCritic.get(0).contains("author wrote artifact 'draft' (version 1)"));
    assertTrue(toCritic.get(1).contains("author wrote artifact 'draft' (version 2)"));
    List<String> toEditor = delivered(editor);
    assertEquals(1, toEditor.size(), toEditor.toString());
    assertTrue(toEditor.get(0).contains("critic wrote artifact 'approved' (version 1)"));
    // the critic read the first draft, then the second
    List<String> criticRead = toolResults(critic);
    assertTrue(criticRead.get(0).contains("Draft one."), criticRead.toString());
    assertTrue(criticRead.get(2).contains("Draft two, intro tightened."), criticRead.toString());
    assertEquals(2, api.get("/v1/sessions/" + author, ACME_ALICE).body().path("turns").asInt());
    assertEquals(2, api.get("/v1/sessions/" + critic, ACME_ALICE).body().path("turns").asInt());
    assertEquals(1, api.get("/v1/sessions/" + editor, ACME_ALICE).body().path("turns").asInt());
  }

  // ---- 3. concurrent writers --------------------------------------------------------------------

  /**
   * The lead's post notifies {@code a} and {@code b} in the same round, and both write {@code
   * draft} at expectedVersion 0 at once: which lands first is up to the race, but exactly one does.
   * The winner's draft notifies the loser (a rule on {@code draft} without {@code from} never
   * notifies its author), whose next turn reads version 1 and writes version 2 on top of it; the
   * done condition (version 2) holds then, so the winner gets no second turn. Both scripts are the
   * same, so the outcome does not depend on who wins: one refusal, two versions, no update lost.
   * Both deliveries go out in one batch, so the two write calls are in flight together (their
   * sessions' journals show them started milliseconds apart); the assertions do not depend on it.
   */
  @Test
  void twoWritersOfOneArtifactAtOnceGetOneRefusalWithTheCurrentVersionAndLoseNoUpdate() {
    api.putAgent(
        ACME_ALICE,
        "race-lead",
        Defs.agent(
            "[]", script(post("both of you: write the draft"), Defs.text("asked")), false, null));
    for (String who : List.of("a", "b")) {
      api.putAgent(
          ACME_ALICE,
          "race-" + who,
          Defs.agent(
              "[]",
              script(
                  put("draft", who + " drafted this", 0),
                  Defs.text(who + " tried"),
                  read("draft"),
                  put("draft", who + " revised the other draft", 1),
                  Defs.text(who + " revised")),
              false,
              null));
    }
    putTeam(
        "race-team",
        "{\"members\":[{\"role\":\"lead\",\"agent\":\"race-lead\"},"
            + "{\"role\":\"a\",\"agent\":\"race-a\"},{\"role\":\"b\",\"agent\":\"race-b\"}],"
            + "\"entry\":\"lead\",\"pattern\":\"blackboard\",\"rules\":["
            + "{\"on\":\"post\",\"from\":\"lead\",\"notify\":\"a\"},"
            + "{\"on\":\"post\",\"from\":\"lead\",\"notify\":\"b\"},"
            + "{\"on\":\"artifact\",\"name\":\"draft\",\"notify\":\"a\"},"
            + "{\"on\":\"artifact\",\"name\":\"draft\",\"notify\":\"b\"}],"
            + "\"done\":{\"when\":\"has(artifacts.draft) && artifacts.draft.version >= 2\"},"
            + "\"limits\":{\"maxTurns\":6}}");

    JsonNode ws = awaitEnd(startRun("race-team", "Draft it."));

    assertEquals("done", ws.path("status").asText(), ws.toString());
    JsonNode history = ws.path("history");
    assertEquals(2, history.size(), history.toString());
    String winner = history.get(0).path("role").asText();
    String loser = history.get(1).path("role").asText();
    assertEquals(Set.of("a", "b"), Set.of(winner, loser), history.toString());
    assertEquals(
        List.of("draft:1:" + winner, "draft:2:" + loser),
        texts(history, "name", "version", "role"));
    assertEquals(
        "the done condition holds (after " + loser + "'s turn)", ws.path("reason").asText());
    List<String> turns = texts(ws.path("members"), "role", "turns");
    assertEquals("lead:1", turns.get(0));
    assertTrue(turns.contains(winner + ":1"), turns.toString());
    assertTrue(turns.contains(loser + ":2"), turns.toString());

    // exactly one refusal, to the loser, naming the version it must write on and who wrote it
    String loserSession = sessionOf(ws, loser);
    String winnerSession = sessionOf(ws, winner);
    List<JsonNode> refusals = failedToolCalls(loserSession);
    assertEquals(1, refusals.size(), refusals.toString());
    assertEquals("stale_version", refusals.get(0).path("code").asText());
    String message = refusals.get(0).path("message").asText();
    assertTrue(
        message.contains("'draft' is at version 1, not 0 (last written by " + winner + ")"),
        message);
    assertTrue(message.contains("write with expectedVersion 1"), message);
    assertEquals(List.of(), failedToolCalls(winnerSession));
    // the model saw the same refusal as its tool result
    assertTrue(
        toolResults(loserSession).get(0).contains("is at version 1"),
        toolResults(loserSession).toString());

    // no update lost: the loser read the winner's version 1 and wrote version 2 on top of it
    String reread = toolResults(loserSession).get(1);
    assertTrue(reread.contains(winner + " drafted this"), reread);
    assertTrue(reread.contains("\"version\":1"), reread);
    JsonNode draft =
        api.get(
                "/v1/workspaces/" + ws.path("workspaceId").asText() + "/artifacts/draft",
                ACME_ALICE)
            .body();
    assertEquals(2, draft.path("version").asInt(), draft.toString());
    assertEquals(loser + " revised the other draft", draft.path("content").asText());
    assertEquals(loser, draft.path("role").asText());
  }

  // ---- 4. limits --------------------------------------------------------------------------------

  /**
   * Ping's post notifies pong and pong's notifies ping, for ever (the scripts loop): maxRounds 4
   * lets each run two turns (rounds 1 to 4) and stops the run when ping would get round 5.
   */
  @Test
  void aBlackboardLoopBetweenTwoRolesStopsAtMaxRounds() {
    api.putAgent(
        ACME_ALICE,
        "loop-ping",
        Defs.agent("[]", script(post("ping"), Defs.text("pinged")), true, null));
    api.putAgent(
        ACME_ALICE,
        "loop-pong",
        Defs.agent("[]", script(post("pong"), Defs.text("ponged")), true, null));
    putTeam(
        "loop-team",
        "{\"members\":[{\"role\":\"ping\",\"agent\":\"loop-ping\"},"
            + "{\"role\":\"pong\",\"agent\":\"loop-pong\"}],"
            + "\"entry\":\"ping\",\"pattern\":\"blackboard\",\"rules\":["
            + "{\"on\":\"post\",\"from\":\"ping\",\"notify\":\"pong\"},"
            + "{\"on\":\"post\",\"from\":\"pong\",\"notify\":\"ping\"}],"
            + "\"limits\":{\"maxRounds\":4}}");

    JsonNode ws = awaitEnd(startRun("loop-team", "Start the rally."));

    assertEquals("limit_reached", ws.path("status").asText(), ws.toString());
    assertEquals(
        "maxRounds 4 reached: ping would get a turn in round 5", ws.path("reason").asText());
    assertEquals(List.of("ping:2", "pong:2"), texts(ws.path("members"), "role", "turns"));
    assertEquals(4, ws.path("turns").asInt());
    assertEquals(4, ws.path("round").asInt());
    assertEquals(
        List.of("ping:ping", "pong:pong", "ping:ping", "pong:pong"),
        texts(ws.path("posts"), "from", "text"));
    assertEquals(
        2,
        api.get("/v1/sessions/" + sessionOf(ws, "ping"), ACME_ALICE).body().path("turns").asInt());
    assertEquals(
        2,
        api.get("/v1/sessions/" + sessionOf(ws, "pong"), ACME_ALICE).body().path("turns").asInt());
  }

  /**
   * A three-step pipeline on a priced model with maxCostUsd 0.05: each member's turn costs less
   * than that (a 30-word answer is 0.03 USD plus its input), but the first two together cost more,
   * so the run stops when the second ends and the third never runs. The workspace's usage is the
   * sum of its members' sessions'.
   */
  @Test
  void theMembersSummedCostOverMaxCostUsdStopsTheRun() {
    String thirty =
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
            + " sixteen seventeen eighteen nineteen twenty twentyone twentytwo twentythree"
            + " twentyfour twentyfive twentysix twentyseven twentyeight twentynine thirty";
    api.putAgent(
        ACME_ALICE,
        "cost-a",
        pricedAgent(script(put("notes", "Tides follow the moon.", 0), Defs.text(thirty))));
    api.putAgent(
        ACME_ALICE,
        "cost-b",
        pricedAgent(script(put("review", "No issues.", 0), Defs.text(thirty))));
    api.putAgent(
        ACME_ALICE, "cost-c", pricedAgent(script(put("report", "Report.", 0), Defs.text(thirty))));
    putTeam(
        "cost-team",
        "{\"members\":[{\"role\":\"a\",\"agent\":\"cost-a\"},"
            + "{\"role\":\"b\",\"agent\":\"cost-b\"},{\"role\":\"c\",\"agent\":\"cost-c\"}],"
            + "\"entry\":\"a\",\"pattern\":\"pipeline\",\"limits\":{\"maxCostUsd\":0.05}}");

    JsonNode ws = awaitEnd(startRun("cost-team", "Why are there tides?"));

    assertEquals("limit_reached", ws.path("status").asText(), ws.toString());
    String reason = ws.path("reason").asText();
    assertTrue(reason.startsWith("maxCostUsd 0.05 reached: the members spent "), reason);
    assertEquals(List.of("a:1", "b:1", "c:0"), texts(ws.path("members"), "role", "turns"));
    assertEquals(
        List.of("notes:1:a", "review:1:b"), texts(ws.path("history"), "name", "version", "role"));

    JsonNode usage = ws.path("usage");
    JsonNode a = api.get("/v1/sessions/" + sessionOf(ws, "a"), ACME_ALICE).body().path("usage");
    JsonNode b = api.get("/v1/sessions/" + sessionOf(ws, "b"), ACME_ALICE).body().path("usage");
    BigDecimal limit = new BigDecimal("0.05");
    BigDecimal costA = new BigDecimal(a.path("costUsd").asText());
    BigDecimal costB = new BigDecimal(b.path("costUsd").asText());
    BigDecimal total = new BigDecimal(usage.path("costUsd").asText());
    // neither member reached the limit alone; together they did, and the workspace shows the sum
    assertTrue(costA.signum() > 0 && costA.compareTo(limit) < 0, "a cost " + costA);
    assertTrue(costB.signum() > 0 && costB.compareTo(limit) < 0, "b cost " + costB);
    assertEquals(0, costA.add(costB).compareTo(total), costA + " + " + costB + " vs " + total);
    assertTrue(total.compareTo(limit) >= 0, total.toPlainString());
    assertEquals(
        0, new BigDecimal(reason.replaceAll("^.* spent (\\S+) USD$", "$1")).compareTo(total));
    assertEquals(
        a.path("inputTokens").asLong() + b.path("inputTokens").asLong(),
        usage.path("inputTokens").asLong());
    assertEquals(
        a.path("outputTokens").asLong() + b.path("outputTokens").asLong(),
        usage.path("outputTokens").asLong());
    assertNotEquals(0, usage.path("outputTokens").asLong());
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static void putTeam(String name, String json) {
    Api.Response team = api.put("/v1/teams/" + name, ACME_ALICE, json, "application/json");
    assertEquals(201, team.status(), team.raw());
  }

  /** Starts a run of {@code team}; returns its workspace id. */
  private static String startRun(String team, String input) {
    Api.Response started =
        api.post("/v1/teams/" + team + "/runs", ACME_ALICE, "{\"input\":\"" + input + "\"}");
    assertEquals(201, started.status(), started.raw());
    return started.text("workspaceId");
  }

  private static JsonNode awaitEnd(String workspaceId) {
    JsonNode[] last = new JsonNode[1];
    Eventually.await(
        Duration.ofSeconds(30),
        "the run of " + workspaceId + " to end",
        () -> {
          last[0] = api.get("/v1/workspaces/" + workspaceId, ACME_ALICE).body();
          String status = last[0].path("status").asText();
          return !status.equals("running") && !status.equals("awaiting_approval");
        });
    return last[0];
  }

  private static String sessionOf(JsonNode ws, String role) {
    for (JsonNode m : ws.path("members")) {
      if (m.path("role").asText().equals(role)) {
        return m.path("sessionId").asText();
      }
    }
    throw new AssertionError("no member " + role + " in " + ws);
  }

  /** What the workspace delivered to a member's session: its user messages, in order. */
  private static List<String> delivered(String sessionId) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : api.get("/v1/sessions/" + sessionId, ACME_ALICE).body().path("messages")) {
      if (m.path("role").asText().equals("user") && m.hasNonNull("content")) {
        out.add(m.path("content").asText());
      }
    }
    return out;
  }

  /** The tool results a member's model saw, in order. */
  private static List<String> toolResults(String sessionId) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : api.get("/v1/sessions/" + sessionId, ACME_ALICE).body().path("messages")) {
      for (JsonNode r : m.path("toolResults")) {
        out.add(r.path("content").asText());
      }
    }
    return out;
  }

  /** The {@code ToolCallFailed} events of a member's session (their data: code, message). */
  private static List<JsonNode> failedToolCalls(String sessionId) {
    Api.Response events = api.get("/v1/sessions/" + sessionId + "/events?limit=1000", ACME_ALICE);
    assertEquals(200, events.status(), events.raw());
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode e : events.body().path("events")) {
      if (e.path("type").asText().equals("ToolCallFailed")) {
        out.add(e.path("data"));
      }
    }
    return out;
  }

  private static List<String> texts(JsonNode array, String... fields) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      StringBuilder s = new StringBuilder();
      for (String f : fields) {
        s.append(s.length() == 0 ? "" : ":").append(n.path(f).asText());
      }
      out.add(s.toString());
    }
    return out;
  }

  /** A scripted agent on the model the node prices. */
  private static String pricedAgent(String steps) {
    return "{\"description\":\"test agent\",\"instructions\":\"Be brief.\","
        + "\"model\":{\"provider\":\"scripted\",\"id\":\""
        + PRICED_MODEL
        + "\",\"script\":"
        + steps
        + "},\"tools\":[],\"limits\":{\"maxStepsPerTurn\":6}}";
  }

  private static String script(String... steps) {
    return "[" + String.join(",", steps) + "]";
  }

  private static String call(String tool, String input) {
    return "{\"toolCalls\":[{\"name\":\"" + tool + "\",\"input\":" + input + "}]}";
  }

  private static String put(String name, String content, int expectedVersion) {
    return call(
        "workspace_put_artifact",
        "{\"name\":\""
            + name
            + "\",\"content\":\""
            + content
            + "\",\"expectedVersion\":"
            + expectedVersion
            + "}");
  }

  private static String read(String artifact) {
    return call("workspace_read", "{\"artifact\":\"" + artifact + "\"}");
  }

  private static String post(String text) {
    return call("workspace_post", "{\"text\":\"" + text + "\"}");
  }

  private static String handoff(String to, String title) {
    return call("workspace_handoff", "{\"to\":\"" + to + "\",\"title\":\"" + title + "\"}");
  }
}
