package io.statehouse.runtime.secret;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretResolverTest {
  private static final Config SECRETS =
      ConfigFactory.parseString(
          "acme { CRM_TOKEN = \"acme-crm\", EMPTY = \"\", NESTED { X = \"y\" } }\n"
              + "\"acme-eu\" { KEY = \"acme-eu-key\" }\n"
              + "a { b { NAME = \"not for tenant a.b\" } }\n");

  private static SecretResolver resolver(Map<String, String> env) {
    return new SecretResolver(SECRETS, env::get);
  }

  @Test
  void readsConfigFirstThenTheEnvironment() {
    SecretResolver r =
        resolver(
            Map.of(
                "STATEHOUSE_SECRET_ACME_CRM_TOKEN", "from-env",
                "STATEHOUSE_SECRET_ACME_BILLING_KEY", "acme-billing"));
    assertEquals(Optional.of("acme-crm"), r.resolve("acme", "CRM_TOKEN"));
    assertEquals(Optional.of("acme-billing"), r.resolve("acme", "BILLING_KEY"));
    assertEquals(Optional.of("acme-billing"), r.resolve("acme", "billing_key"));
  }

  @Test
  void aTenantNeverReachesAnotherTenantsSecret() {
    SecretResolver r = resolver(Map.of("STATEHOUSE_SECRET_ACME_EU_KEY", "set-for-acme"));
    assertEquals(Optional.empty(), r.resolve("globex", "CRM_TOKEN"));
    // acme-eu's KEY is not acme's EU_KEY, nor the other way round
    assertEquals(Optional.of("acme-eu-key"), r.resolve("acme-eu", "KEY"));
    assertEquals(Optional.empty(), r.resolve("acme-eu", "EU_KEY"));
    assertEquals(
        Optional.empty(),
        resolver(Map.of("STATEHOUSE_SECRET_ACME_EU_OTHER", "x")).resolve("acme-eu", "OTHER"),
        "a tenant with - in its name never reads the environment");
    // a dotted tenant name does not walk into another tenant's block
    assertEquals(Optional.empty(), r.resolve("a.b", "NAME"));
    assertEquals(Optional.empty(), r.resolve("a", "b"));
  }

  @Test
  void invalidNamesNonStringsAndEmptyValuesAreNotDefined() {
    SecretResolver r = resolver(Map.of("STATEHOUSE_SECRET_ACME_BLANK", ""));
    assertEquals(Optional.empty(), r.resolve("acme", "EMPTY"));
    assertEquals(Optional.empty(), r.resolve("acme", "BLANK"));
    assertEquals(Optional.empty(), r.resolve("acme", "NESTED"));
    assertEquals(Optional.empty(), r.resolve("acme", "NESTED.X"));
    assertEquals(Optional.empty(), r.resolve("acme", "1ABC"));
  }

  @Test
  void environmentNamesAreUpperCaseAndOnlyForPlainTenantNames() {
    assertEquals("STATEHOUSE_SECRET_ACME_CRM_TOKEN", SecretResolver.envName("acme", "crm_token"));
    assertNull(SecretResolver.envName("acme-eu", "KEY"));
    assertNull(SecretResolver.envName("acme_eu", "KEY"));
  }
}
