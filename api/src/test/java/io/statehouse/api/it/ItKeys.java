package io.statehouse.api.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.http.ApiKeys;

/** API keys of the integration tests: two tenants, and an approver in the first. */
public final class ItKeys {
  public static final String ACME_ALICE = "it-acme-alice";
  public static final String ACME_BOB = "it-acme-bob";
  public static final String GLOBEX_CAROL = "it-globex-carol";

  private ItKeys() {}

  public static Config config() {
    return ConfigFactory.parseString(
        "statehouse.api.keys = ["
            + entry(ACME_ALICE, "acme", "alice", "developer")
            + ","
            + entry(ACME_BOB, "acme", "bob", "approver")
            + ","
            + entry(GLOBEX_CAROL, "globex", "carol", "developer")
            + "]");
  }

  private static String entry(String key, String tenant, String subject, String role) {
    return "{ sha256 = \""
        + ApiKeys.sha256Hex(key)
        + "\", tenant = "
        + tenant
        + ", subject = "
        + subject
        + ", roles = ["
        + role
        + "] }";
  }
}
