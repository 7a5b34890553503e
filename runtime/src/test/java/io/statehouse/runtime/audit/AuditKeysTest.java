package io.statehouse.runtime.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditKeysTest {
  private static final String KEY_A = key('a');
  private static final String KEY_B = key('b');

  @TempDir Path dir;

  /** A recognisable 32-byte key, so a test can look for it in messages. */
  private static String key(char fill) {
    return Base64.getEncoder()
        .encodeToString(String.valueOf(fill).repeat(32).getBytes(StandardCharsets.US_ASCII));
  }

  private static Config config(String hocon) {
    // only the module's defaults: the test key of application.conf must not fill the gap
    return ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.parseResources("statehouse/audit.conf"))
        .resolve();
  }

  @Test
  void aNodeWithoutAnAuditKeyIsToldWhatToSet() {
    AuditKeyException e =
        assertThrows(AuditKeyException.class, () -> AuditKeys.fromConfig(config("")));
    assertTrue(e.getMessage().contains("STATEHOUSE_AUDIT_KEY"), e.getMessage());
    assertTrue(e.getMessage().contains("statehouse.audit.keys-file"), e.getMessage());
  }

  @Test
  void theKeyFromTheEnvironmentSealsUnderItsKeyId() {
    AuditKeys keys =
        AuditKeys.fromConfig(
            config("statehouse.audit { key = \"" + KEY_A + "\", key-id = prod-2026 }"));
    assertEquals("prod-2026", keys.currentId());
  }

  @Test
  void aShortKeyIsRefusedWithoutQuotingIt() {
    String shortKey = Base64.getEncoder().encodeToString("short-secret-value".getBytes());
    AuditKeyException e =
        assertThrows(
            AuditKeyException.class,
            () -> AuditKeys.fromConfig(config("statehouse.audit.key = \"" + shortKey + "\"")));
    assertTrue(e.getMessage().contains("at least 32"), e.getMessage());
    assertFalse(e.getMessage().contains(shortKey), e.getMessage());
  }

  @Test
  void aKeyThatIsNotBase64IsRefusedWithoutQuotingAnyOfIt() {
    String bad = "not base64 at all: secret-part-$$$-" + KEY_A;
    AuditKeyException e =
        assertThrows(
            AuditKeyException.class,
            () -> AuditKeys.fromConfig(config("statehouse.audit.key = \"" + bad + "\"")));
    assertTrue(e.getMessage().contains("not valid base64"), e.getMessage());
    assertFalse(e.getMessage().contains("secret-part"), e.getMessage());
    assertFalse(e.getMessage().contains("$"), e.getMessage());
    assertEquals(null, e.getCause());
  }

  @Test
  void aKeyringFileNamesTheCurrentKeyAndKeepsRetiredOnesForReading() throws Exception {
    Path file = dir.resolve("keys.conf");
    Files.writeString(
        file, "{ current-key-id = k2, keys { k1 = \"" + KEY_A + "\", k2 = \"" + KEY_B + "\" } }");
    AuditKeys keys = AuditKeys.fromConfig(config("statehouse.audit.keys-file = \"" + file + "\""));
    assertEquals("k2", keys.currentId());
    assertTrue(keys.has("k1"), "a retired key still verifies old events");
  }

  @Test
  void aRotationInTheKeyringFileIsNotUndoneByAKeyLeftInTheEnvironment() throws Exception {
    Path file = dir.resolve("keys.conf");
    Files.writeString(
        file, "{ current-key-id = k2, keys { k1 = \"" + KEY_A + "\", k2 = \"" + KEY_B + "\" } }");
    AuditKeys keys =
        AuditKeys.fromConfig(
            config(
                "statehouse.audit { keys-file = \""
                    + file
                    + "\", key = \""
                    + KEY_A
                    + "\", key-id = k1 }"));
    assertEquals("k2", keys.currentId(), "the file names the current key");
    assertTrue(keys.has("k1"));
  }

  @Test
  void aBrokenKeyringFileIsNamedButNotQuoted() throws Exception {
    Path file = dir.resolve("keys.conf");
    Files.writeString(file, "{ keys { k1 = \"" + KEY_A + "\" ");
    AuditKeyException e =
        assertThrows(
            AuditKeyException.class,
            () -> AuditKeys.fromConfig(config("statehouse.audit.keys-file = \"" + file + "\"")));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertFalse(e.getMessage().contains(KEY_A), e.getMessage());
  }

  @Test
  void severalKeysNeedACurrentKeyId() {
    String keys = "statehouse.audit.keys { a = \"" + KEY_A + "\", b = \"" + KEY_B + "\" }";
    assertThrows(AuditKeyException.class, () -> AuditKeys.fromConfig(config(keys)));
    assertEquals(
        "b",
        AuditKeys.fromConfig(config(keys + "\nstatehouse.audit.current-key-id = b")).currentId());
  }

  @Test
  void oneKeyIdWithTwoDifferentKeysIsRefused() {
    AuditKeyException e =
        assertThrows(
            AuditKeyException.class,
            () ->
                AuditKeys.fromConfig(
                    config(
                        "statehouse.audit { keys { k1 = \""
                            + KEY_A
                            + "\" }, key = \""
                            + KEY_B
                            + "\", key-id = k1 }")));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
  }

  @Test
  void theDevRunGeneratesAKeyOnceIntoAFileOnlyItsOwnerReads() throws Exception {
    Path file = dir.resolve("var/audit/keys.conf");
    Config dev = config("statehouse.audit.generated-key-file = \"" + file + "\"");

    AuditKeys first = AuditKeys.fromConfig(dev);
    AuditKeys again = AuditKeys.fromConfig(dev);

    assertTrue(Files.exists(file));
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    assertEquals(first.currentId(), again.currentId(), "a restart keeps the generated key");
    byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
    assertTrue(
        again.matches(
            first.currentId(),
            "T",
            json,
            0,
            json.length,
            first.mac(first.currentId(), "T", json, 0, json.length)),
        "the same key, not only the same id");
    try (var listing = Files.list(file.getParent())) {
      assertEquals(1, listing.count(), "no temporary file is left next to it");
    }
  }

  @Test
  void aConfiguredKeyWinsOverGeneratingOne() {
    Path file = dir.resolve("generated.conf");
    AuditKeys keys =
        AuditKeys.fromConfig(
            config(
                "statehouse.audit { key = \""
                    + KEY_A
                    + "\", generated-key-file = \""
                    + file
                    + "\" }"));
    assertEquals("k1", keys.currentId());
    assertFalse(Files.exists(file));
  }

  @Test
  void theKeyringNeverPrintsAKey() {
    AuditKeys keys =
        AuditKeys.fromConfig(config("statehouse.audit.keys { k1 = \"" + KEY_A + "\" }"));
    assertFalse(keys.toString().contains(KEY_A));
    assertTrue(keys.toString().contains("k1"));
  }

  @Test
  void theMacIsKeyedTypedAndCoversEveryByte() {
    AuditKeys a = AuditKeys.fromConfig(config("statehouse.audit.keys { k = \"" + KEY_A + "\" }"));
    AuditKeys b = AuditKeys.fromConfig(config("statehouse.audit.keys { k = \"" + KEY_B + "\" }"));
    byte[] json = "{\"x\":1}".getBytes(StandardCharsets.UTF_8);
    byte[] mac = a.mac("k", "T", json, 0, json.length);
    assertTrue(a.matches("k", "T", json, 0, json.length, mac));
    assertFalse(b.matches("k", "T", json, 0, json.length, mac), "another key");
    assertFalse(a.matches("k", "U", json, 0, json.length, mac), "another event type");
    byte[] edited = "{\"x\":2}".getBytes(StandardCharsets.UTF_8);
    assertFalse(a.matches("k", "T", edited, 0, edited.length, mac), "another byte");
  }
}
