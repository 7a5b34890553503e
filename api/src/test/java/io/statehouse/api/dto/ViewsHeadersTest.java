package io.statehouse.api.dto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.testing.Specs;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** No view shows a header value: GET /v1/tools and the events of GET /v1/sessions/{id}/events. */
class ViewsHeadersTest {
  private static final String LITERAL = "legacy-literal-credential";

  /** A tool as registered now (a reference) plus a literal pinned before references existed. */
  private static ToolSpec tool() {
    ToolSpec base = Specs.tool("crm", true);
    return new ToolSpec(
        base.name(),
        1,
        "",
        base.inputSchema(),
        true,
        base.timeout(),
        base.retry(),
        new HttpTarget(
            "POST",
            "https://crm.example.com/x",
            Map.of(
                "Authorization", new HeaderValue.SecretRef("CRM_TOKEN"),
                "X-Legacy-Key", new HeaderValue.Literal(LITERAL))));
  }

  @Test
  void theToolViewShowsReferenceNamesAndMasksLiterals() {
    JsonNode view = Json.MAPPER.valueToTree(Views.tool(tool()));

    assertEquals(
        Json.object().put("secret", "CRM_TOKEN"),
        view.path("http").path("headers").get("Authorization"));
    assertEquals("***", view.path("http").path("headers").path("X-Legacy-Key").asText());
    assertFalse(view.toString().contains(LITERAL), view.toString());
  }

  @Test
  void theSessionCreatedEventMasksThePinnedToolsHeaders() {
    SessionEvent created =
        new SessionEvent.SessionCreated(
            new EventMeta(Instant.parse("2026-01-01T00:00:00Z"), "acme/alice", "0".repeat(64)),
            "ses_1",
            Specs.ALICE,
            Specs.agent(List.of("crm"), 4, false, Specs.text("hi")),
            List.of(tool()),
            Map.of());

    Views.EventView view = Views.event(1, created);
    JsonNode headers = view.data().path("tools").get(0).path("http").path("headers");

    assertEquals(Json.object().put("secret", "CRM_TOKEN"), headers.get("Authorization"));
    assertEquals("***", headers.path("X-Legacy-Key").asText());
    assertFalse(Json.MAPPER.valueToTree(view).toString().contains(LITERAL));
  }
}
