package io.statehouse.api.dto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.dto.Requests.HttpDefinition;
import io.statehouse.api.dto.Requests.ToolDefinition;
import io.statehouse.api.http.ApiError;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.testing.Specs;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Registration refuses literal credentials, unknown secrets and certainly-refused URLs. */
class ToolDefinitionSecretsAndEgressTest {
  private final Definitions definitions =
      new Definitions(
          ConfigFactory.parseString("statehouse.secrets.acme.CRM_TOKEN = \"crm-value-123\"")
              .withFallback(ConfigFactory.load())
              .resolve(),
          Set.of("scripted"));

  private ToolSpec register(String tenant, String url, Map<String, JsonNode> headers) {
    return definitions.tool(
        tenant,
        "crm",
        new ToolDefinition(
            null,
            "d",
            Specs.json("{\"type\":\"object\"}"),
            null,
            null,
            null,
            new HttpDefinition("POST", url, headers),
            null));
  }

  private static JsonNode secret(String name) {
    return Json.object().put("secret", name);
  }

  private String refusal(String tenant, String url, Map<String, JsonNode> headers) {
    return assertThrows(ApiError.class, () -> register(tenant, url, headers)).getMessage();
  }

  @Test
  void aSecretReferenceIsStoredAsItsNameOnly() {
    ToolSpec spec =
        register(
            "acme",
            "https://crm.example.com/x",
            Map.of("Authorization", secret("CRM_TOKEN"), "X-Region", TextNode.valueOf("eu")));
    assertEquals(
        new HeaderValue.SecretRef("CRM_TOKEN"), spec.http().headers().get("Authorization"));
    assertEquals(new HeaderValue.Literal("eu"), spec.http().headers().get("X-Region"));
    assertFalse(Json.MAPPER.valueToTree(spec).toString().contains("crm-value-123"));
  }

  @Test
  void aLiteralCredentialIsRefusedWithoutEchoingIt() {
    String m =
        refusal(
            "acme",
            "https://crm.example.com/x",
            Map.of("Authorization", TextNode.valueOf("Bearer sk-live-abc")));
    assertEquals(
        "http.headers.Authorization carries a credential: register it as {\"secret\": \"NAME\"}",
        m);
    for (String name : new String[] {"X-Api-Key", "X-Auth-Token", "Cookie", "X-Signature"}) {
      String other =
          refusal("acme", "https://crm.example.com/x", Map.of(name, TextNode.valueOf("v4lue")));
      assertTrue(other.contains("carries a credential"), other);
      assertFalse(other.contains("v4lue"), other);
    }
  }

  @Test
  void aSecretTheTenantDoesNotHaveIsRefused() {
    assertEquals(
        "secret CRM_TOKEN is not defined for tenant globex",
        refusal("globex", "https://crm.example.com/x", Map.of("X-Api-Key", secret("CRM_TOKEN"))));
    assertEquals(
        "secret MISSING is not defined for tenant acme",
        refusal("acme", "https://crm.example.com/x", Map.of("X-Api-Key", secret("MISSING"))));
  }

  @Test
  void malformedHeaderValuesAreRefusedWithoutEchoingThem() {
    JsonNode extra = Json.object().put("secret", "CRM_TOKEN").put("value", "sk-live-xyz");
    JsonNode badName = Json.object().put("secret", "sk-live-xyz");
    JsonNode control = TextNode.valueOf("eu\r\nX-Injected: sk-live-xyz");
    for (JsonNode v : new JsonNode[] {extra, badName, control, Json.MAPPER.createArrayNode()}) {
      String m = refusal("acme", "https://crm.example.com/x", Map.of("X-Region", v));
      assertTrue(m.startsWith("http.headers.X-Region"), m);
      assertFalse(m.contains("sk-live-xyz"), m);
    }
  }

  @Test
  void urlsCertainToBeRefusedAreRefusedAtRegistration() {
    String metadata = refusal("acme", "http://169.254.169.254/latest/meta-data", Map.of());
    assertEquals(
        "http.url: 169.254.169.254 is not allowed by the egress policy of tenant acme (cloud"
            + " metadata)",
        metadata);
    assertTrue(refusal("acme", "http://2852039166/", Map.of()).contains("cloud metadata"));
    assertTrue(refusal("acme", "http://[fe80::1]/", Map.of()).contains("link-local"));
    assertTrue(refusal("acme", "http://127.0.0.1:9/", Map.of()).contains("loopback"));
    assertTrue(refusal("acme", "https://u:p@crm.example.com/", Map.of()).contains("user info"));
    assertTrue(refusal("acme", "file:///etc/passwd", Map.of()).contains("http or https"));
  }
}
