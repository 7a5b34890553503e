package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;

import io.statehouse.runtime.testing.LocalHttpServer;
import java.io.IOException;

/**
 * What the crash tests run: an agent whose every turn calls a non-idempotent HTTP tool once and
 * then answers, so a turn is 8 events in 4 journal writes and any second run of a turn shows as a
 * second hit on the tool.
 */
final class CrashAgent {
  static final String NAME = "crash-agent";

  private CrashAgent() {}

  /** The tool's server; it counts what it was sent. */
  static LocalHttpServer tools() throws IOException {
    return new LocalHttpServer()
        .on("/lookup", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"found\":true}"));
  }

  static void register(Api api, LocalHttpServer tools) {
    api.putTool(ACME_ALICE, "lookup", Defs.tool(tools.url("/lookup"), false, "5s"));
    api.putAgent(
        ACME_ALICE,
        NAME,
        Defs.agent(
            "[\"lookup\"]",
            "[" + Defs.call("lookup", "x") + "," + Defs.text("Found it.") + "]",
            true,
            null));
  }
}
