package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_BOB;
import static io.statehouse.api.it.ItKeys.GLOBEX_CAROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Keys and tenants over real HTTP: no key is 401, another tenant's session does not exist. */
@ExtendWith(CassandraExtension.class)
class TenantIsolationIT {
  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""));
    api = new Api("127.0.0.1", node.port());
    api.putAgent(
        ACME_ALICE, "helper", Defs.agent("[]", "[" + Defs.text("acme says hi") + "]", false, null));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void requestsWithoutAValidKeyAre401AndNamedAsSuch() {
    Api.Response none = api.get("/v1/sessions", null);
    assertEquals(401, none.status());
    assertEquals("unauthorized", none.errorCode());
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    assertEquals(401, api.get("/v1/sessions", "not-a-key").status());
    assertEquals(401, api.send("GET", "/v1/sessions", null, null, null).status());
    assertEquals(200, api.get("/health/ready", null).status(), "health needs no key");
  }

  @Test
  void anotherTenantsSessionIsNotFoundForEveryOperation() {
    String id = api.openSession(ACME_ALICE, "helper");
    api.post("/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"secret plans\"}");
    String path = "/v1/sessions/" + id;

    assertEquals(404, api.get(path, GLOBEX_CAROL).status());
    assertEquals("session_not_found", api.get(path, GLOBEX_CAROL).errorCode());
    assertEquals(404, api.get(path + "/events", GLOBEX_CAROL).status());
    assertEquals(404, api.get(path + "/audit/verify", GLOBEX_CAROL).status());
    assertEquals(
        404, api.post(path + "/messages", GLOBEX_CAROL, "{\"content\":\"let me in\"}").status());
    assertEquals(404, api.delete(path, GLOBEX_CAROL).status());

    JsonNode state = api.get(path, ACME_ALICE).body();
    assertEquals("idle", state.path("status").asText(), "nothing globex did reached the session");
    assertEquals(2, state.path("messages").size());
    assertEquals(200, api.get(path, ACME_BOB).status(), "a colleague in the same tenant sees it");
  }

  @Test
  void eachTenantHasItsOwnCatalogAndList() {
    assertEquals(404, api.get("/v1/agents/helper", GLOBEX_CAROL).status());
    api.putAgent(
        GLOBEX_CAROL,
        "helper",
        Defs.agent("[]", "[" + Defs.text("globex says hi") + "]", false, null));
    String globexSession = api.openSession(GLOBEX_CAROL, "helper");
    Api.Response globexTurn =
        api.post(
            "/v1/sessions/" + globexSession + "/messages", GLOBEX_CAROL, "{\"content\":\"hi\"}");
    assertEquals("globex says hi", globexTurn.text("output"));

    String acmeSession = api.openSession(ACME_ALICE, "helper");
    Eventually.await(
        Duration.ofSeconds(30),
        "both lists show their own session",
        () ->
            api.get("/v1/sessions", ACME_ALICE).raw().contains(acmeSession)
                && api.get("/v1/sessions", GLOBEX_CAROL).raw().contains(globexSession));
    assertTrue(!api.get("/v1/sessions", GLOBEX_CAROL).raw().contains(acmeSession));
    assertTrue(!api.get("/v1/sessions", ACME_ALICE).raw().contains(globexSession));
  }
}
