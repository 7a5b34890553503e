package io.statehouse.api.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.http.ApiKeys;
import java.nio.file.Path;

/**
 * API keys of the integration tests (two tenants, each with an approver) and where their nodes keep
 * a generated signing key.
 */
public final class ItKeys {
  public static final String ACME_ALICE = "it-acme-alice";
  public static final String ACME_BOB = "it-acme-bob";

  /** A second developer of acme: not the owner of alice's sessions. */
  public static final String ACME_DORA = "it-acme-dora";

  public static final String GLOBEX_CAROL = "it-globex-carol";
  public static final String GLOBEX_DAN = "it-globex-dan";
  public static final String ACME_OLGA = "it-acme-olga";
  public static final String ACME_AUDREY = "it-acme-audrey";
  public static final String GLOBEX_OTTO = "it-globex-otto";

  private ItKeys() {}

  /**
   * The audit key of test nodes (public, tests only): fixed, so that a node started again on the
   * same journal checks the MACs the first one wrote.
   */
  public static final String AUDIT_KEY = "aXQtYXVkaXQta2V5LWZvci10ZXN0cy1vbmx5LTAwMDAwMDA=";

  /** Where test nodes keep their generated signing key: under target/, never in the sources. */
  public static final Path GENERATED_SIGNING_KEYS =
      Path.of("target", "it-identity", "signing-keys.json").toAbsolutePath();

  public static Config config() {
    return ConfigFactory.parseString(
        "statehouse.api.keys = ["
            + entry(ACME_ALICE, "acme", "alice", "developer")
            + ","
            + entry(ACME_BOB, "acme", "bob", "approver")
            + ","
            + entry(ACME_DORA, "acme", "dora", "developer")
            + ","
            + entry(GLOBEX_CAROL, "globex", "carol", "developer")
            + ","
            + entry(GLOBEX_DAN, "globex", "dan", "approver")
            + ","
            + entry(ACME_OLGA, "acme", "olga", "operator")
            + ","
            + entry(ACME_AUDREY, "acme", "audrey", "auditor")
            + ","
            + entry(GLOBEX_OTTO, "globex", "otto", "operator")
            + "]\n"
            + "statehouse.identity.generated-keys-file = \""
            + GENERATED_SIGNING_KEYS
            + "\"\n"
            + "statehouse.audit { keys { it-audit = \""
            + AUDIT_KEY
            + "\" }, current-key-id = it-audit }");
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
