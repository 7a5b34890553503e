package io.statehouse.runtime.audit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's audit keyring, from {@code statehouse.audit}: HMAC-SHA256 keys by id, and the id that
 * seals new events. Keys come from the environment or a key file in production, from config in
 * tests, or are generated into a file for the dev run. No key, no node: a node that cannot seal its
 * journal refuses to start. Key material never leaves this class: not in {@link #toString}, not in
 * an exception message, not in a log line.
 */
public final class AuditKeys {
  private static final Logger log = LoggerFactory.getLogger(AuditKeys.class);
  public static final String PATH = "statehouse.audit";
  static final int MIN_KEY_BYTES = 32;
  static final int MAC_BYTES = 32;
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final String ALGORITHM = "HmacSHA256";

  private final String currentId;
  private final Map<String, Mac> prototypes;

  private AuditKeys(String currentId, Map<String, byte[]> keys) {
    this.currentId = currentId;
    Map<String, Mac> macs = new LinkedHashMap<>();
    keys.forEach((id, key) -> macs.put(id, newMac(key)));
    this.prototypes = Map.copyOf(macs);
  }

  /** A keyring of the given keys (raw bytes by id), sealing with {@code currentId}. */
  static AuditKeys of(String currentId, Map<String, byte[]> keys) {
    keys.forEach(AuditKeys::checkKey);
    if (!keys.containsKey(currentId)) {
      throw new AuditKeyException(
          "statehouse.audit.current-key-id '" + currentId + "' is not one of the audit keys");
    }
    return new AuditKeys(currentId, keys);
  }

  /**
   * The keyring {@code statehouse.audit} describes. Fails with a message saying what to set when
   * there is no key and no {@code generated-key-file}.
   */
  public static AuditKeys fromConfig(Config root) {
    Config c = root.getConfig(PATH);
    Map<String, byte[]> keys = new TreeMap<>();
    String fileCurrent = "";
    for (Map.Entry<String, ConfigValue> e : c.getObject("keys").entrySet()) {
      add(keys, e.getKey(), String.valueOf(e.getValue().unwrapped()), "statehouse.audit.keys");
    }
    String file = c.getString("keys-file").trim();
    if (!file.isEmpty()) {
      fileCurrent = readFile(Path.of(file), keys);
    }
    String single = c.getString("key").trim();
    String singleId = c.getString("key-id").trim();
    if (!single.isEmpty()) {
      add(keys, singleId, single, "statehouse.audit.key (STATEHOUSE_AUDIT_KEY)");
    }
    String generated = c.getString("generated-key-file").trim();
    if (keys.isEmpty() && !generated.isEmpty()) {
      fileCurrent = loadOrGenerate(Path.of(generated), keys);
    }
    if (keys.isEmpty()) {
      throw new AuditKeyException(
          "no audit key: every session event is sealed with an HMAC key, and this node has none."
              + " Set STATEHOUSE_AUDIT_KEY to the base64 of 32 or more random bytes (for example"
              + " `openssl rand -base64 32`), or statehouse.audit.keys-file to a keyring file;"
              + " all nodes of a cluster need the same keys (docs/governance.md, Audit)");
    }
    // the most explicit choice wins: the setting, then the keyring file's own current key (a
    // rotation edits that file, and a single key left in the environment must not undo it), then
    // the single key's id, then the only key
    String current = c.getString("current-key-id").trim();
    if (current.isEmpty()) {
      current =
          !fileCurrent.isEmpty()
              ? fileCurrent
              : !single.isEmpty()
                  ? singleId
                  : keys.size() == 1 ? keys.keySet().iterator().next() : "";
    }
    if (current.isEmpty()) {
      throw new AuditKeyException(
          "there are several audit keys "
              + keys.keySet()
              + ": set statehouse.audit.current-key-id");
    }
    return of(current, keys);
  }

  /** The id of the key that seals new events. */
  public String currentId() {
    return currentId;
  }

  boolean has(String keyId) {
    return prototypes.containsKey(keyId);
  }

  /** HMAC-SHA256 with key {@code keyId} over {@code type}, a newline and the JSON bytes. */
  byte[] mac(String keyId, String type, byte[] json, int offset, int length) {
    Mac mac = instance(keyId);
    mac.update(type.getBytes(StandardCharsets.UTF_8));
    mac.update((byte) '\n');
    mac.update(json, offset, length);
    return mac.doFinal();
  }

  /** Whether {@code stored} is the MAC of those bytes, compared in constant time. */
  boolean matches(String keyId, String type, byte[] json, int offset, int length, byte[] stored) {
    return MessageDigest.isEqual(mac(keyId, type, json, offset, length), stored);
  }

  private Mac instance(String keyId) {
    Mac prototype = prototypes.get(keyId);
    if (prototype == null) {
      throw new IllegalArgumentException("no audit key '" + keyId + "'");
    }
    try {
      // a clone skips the provider lookup and key setup of Mac.getInstance + init
      return (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's HmacSHA256 cannot be cloned", e);
    }
  }

  private static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has " + ALGORITHM, e);
    }
  }

  private static void add(Map<String, byte[]> keys, String id, String base64, String where) {
    if (!KEY_ID.matcher(id).matches()) {
      throw new AuditKeyException(
          "audit key id '"
              + printable(id)
              + "' in "
              + where
              + " must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      // the decoder's message quotes a character of the key: not passed on
      throw new AuditKeyException("audit key '" + id + "' in " + where + " is not valid base64");
    }
    checkKey(id, key);
    byte[] before = keys.putIfAbsent(id, key);
    if (before != null && !MessageDigest.isEqual(before, key)) {
      throw new AuditKeyException(
          "audit key id '" + id + "' is configured twice with different keys (" + where + ")");
    }
  }

  private static void checkKey(String id, byte[] key) {
    if (key.length < MIN_KEY_BYTES) {
      throw new AuditKeyException(
          "audit key '"
              + id
              + "' is "
              + key.length
              + " bytes; at least "
              + MIN_KEY_BYTES
              + " random bytes are needed");
    }
  }

  /** Reads a keyring file: {@code {current-key-id = id, keys {id = base64, ...}}}. */
  private static String readFile(Path file, Map<String, byte[]> keys) {
    if (!Files.isReadable(file)) {
      throw new AuditKeyException("statehouse.audit.keys-file " + file + " cannot be read");
    }
    Config parsed;
    try {
      parsed = ConfigFactory.parseFile(file.toFile());
    } catch (ConfigException e) {
      // the parser's message may quote the file's text, which holds keys
      throw new AuditKeyException(
          "statehouse.audit.keys-file " + file + " is not a HOCON or JSON keyring file");
    }
    if (!parsed.hasPath("keys")) {
      throw new AuditKeyException(
          "statehouse.audit.keys-file " + file + " has no 'keys' object (id = base64 key)");
    }
    try {
      for (Map.Entry<String, ConfigValue> e : parsed.getObject("keys").entrySet()) {
        add(keys, e.getKey(), String.valueOf(e.getValue().unwrapped()), file.toString());
      }
      return parsed.hasPath("current-key-id") ? parsed.getString("current-key-id") : "";
    } catch (ConfigException e) {
      throw new AuditKeyException(
          "statehouse.audit.keys-file " + file + ": 'keys' must map key ids to base64 strings");
    }
  }

  /**
   * The dev run's key: read from {@code file}, or generated into it (mode 600) on the first start.
   * Two nodes starting at once agree on one key: the file appears by an atomic rename that fails
   * when it is already there.
   */
  private static String loadOrGenerate(Path file, Map<String, byte[]> keys) {
    if (Files.exists(file)) {
      return readFile(file, keys);
    }
    byte[] key = new byte[MIN_KEY_BYTES];
    SecureRandom random = new SecureRandom();
    random.nextBytes(key);
    byte[] suffix = new byte[4];
    random.nextBytes(suffix);
    String id = "generated-" + HexFormat.of().formatHex(suffix);
    String text =
        "# The dev run's audit key, generated on first start. Production sets STATEHOUSE_AUDIT_KEY\n"
            + "# or statehouse.audit.keys-file instead (docs/governance.md, Audit).\n"
            + "{\"current-key-id\": \""
            + id
            + "\", \"keys\": {\""
            + id
            + "\": \""
            + Base64.getEncoder().encodeToString(key)
            + "\"}}\n";
    Path tmp = null;
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, ".audit-key", ".tmp");
      restrict(tmp);
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file);
      log.info(
          "Audit: no key configured; generated key '{}' into {} (dev only: production sets"
              + " STATEHOUSE_AUDIT_KEY or statehouse.audit.keys-file)",
          id,
          file);
      keys.put(id, key);
      return id;
    } catch (FileAlreadyExistsException raced) {
      return readFile(file, keys);
    } catch (IOException e) {
      throw new AuditKeyException(
          "cannot write the generated audit key to statehouse.audit.generated-key-file "
              + file
              + ": "
              + e.getClass().getSimpleName());
    } finally {
      deleteQuietly(tmp);
    }
  }

  private static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // Windows: the file inherits its directory's ACL
    }
  }

  private static void deleteQuietly(Path tmp) {
    if (tmp == null) {
      return;
    }
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException ignored) {
      // after the rename there is nothing to delete; a temp file left otherwise is mode 600
    }
  }

  private static String printable(String id) {
    String cut = id.length() > 64 ? id.substring(0, 64) + "…" : id;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** Key ids only. */
  @Override
  public String toString() {
    return "AuditKeys[current=" + currentId + ", ids=" + prototypes.keySet() + "]";
  }
}
