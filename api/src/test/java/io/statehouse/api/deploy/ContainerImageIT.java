package io.statehouse.api.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image that {@code -Pimage} builds ({@code target/statehouse-image.tar}), checked without a
 * Docker daemon: its config, its layers unpacked into a root file system, and the node started from
 * the image's entrypoint inside that root, as the image's user, on a read-only root with a tmpfs
 * /tmp (what the StatefulSet runs), in a mount namespace of its own. Starting it needs root (CI
 * runs as root); building the image alone needs nothing: {@code -Pimage -DskipTests package}.
 */
class ContainerImageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path WORK = Path.of("target", "image-it").toAbsolutePath();
  private static final Path ROOT = WORK.resolve("rootfs");
  private static final String SECRETS = "/etc/statehouse/secrets";
  // Jib's layers carry PAX records GNU tar does not know; it would warn once per file
  private static final String QUIET = "--warning=no-unknown-keyword";

  private static JsonNode config;

  @BeforeAll
  static void unpack() throws Exception {
    Path tar = Path.of(System.getProperty("statehouse.image.tar"));
    assertTrue(Files.isRegularFile(tar), tar + " is built by -Pimage in the package phase");
    deleteTree(WORK);
    Path image = Files.createDirectories(WORK.resolve("image"));
    Files.createDirectories(ROOT);
    run(List.of("tar", "-xf", tar.toString(), "-C", image.toString()));
    JsonNode manifest = JSON.readTree(image.resolve("manifest.json").toFile()).get(0);
    config = JSON.readTree(image.resolve(manifest.path("Config").asText()).toFile());
    for (JsonNode layer : manifest.path("Layers")) {
      applyLayer(image.resolve(layer.asText()));
    }
  }

  @AfterAll
  static void cleanUp() throws IOException {
    deleteTree(WORK);
  }

  /**
   * The node's mounts live in its own mount namespace and end with it; a mount visible here under
   * the work directory (/dev bound into the root) must never be walked and deleted.
   */
  private static void requireNoMountUnder(Path dir) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mountPoint = line.split(" ")[4];
      if (mountPoint.startsWith(dir.toString())) {
        throw new IllegalStateException(mountPoint + " is still mounted; not deleting " + dir);
      }
    }
  }

  @Test
  void runsAsTheConfiguredNonRootUser() {
    String user = config.path("config").path("User").asText();

    assertEquals(System.getProperty("statehouse.image.user"), user);
    // numeric, so that Kubernetes' runAsNonRoot can check it without the image's /etc/passwd
    assertTrue(user.matches("\\d+:\\d+"), user);
    assertNotEquals("0", user.split(":")[0]);
  }

  @Test
  void exposesTheApiManagementAndRemotingPorts() {
    List<String> ports = new ArrayList<>();
    config.path("config").path("ExposedPorts").properties().forEach(e -> ports.add(e.getKey()));

    assertEquals(List.of("25520/tcp", "7626/tcp", "8080/tcp"), ports.stream().sorted().toList());
  }

  @Test
  void entrypointRunsTheNodeWithProductionConfigAndContainerFlags() {
    List<String> entrypoint = entrypoint();

    assertEquals("java", entrypoint.get(0), "the base image's java, found on its PATH");
    assertEquals("io.statehouse.api.Main", entrypoint.get(entrypoint.size() - 1));
    assertTrue(entrypoint.contains("-Dconfig.resource=production.conf"), entrypoint.toString());
    assertTrue(
        entrypoint.contains("-Dstatehouse.cassandra.embedded.available=off"),
        entrypoint.toString());
    assertTrue(
        entrypoint.stream().anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage=")),
        "heap follows the container's memory limit: " + entrypoint);
    assertTrue(entrypoint.contains("-XX:+ExitOnOutOfMemoryError"), entrypoint.toString());
  }

  @Test
  void carriesEveryClasspathEntryAndNoCassandraServer() throws IOException {
    String classpath = Files.readString(ROOT.resolve("app/jib-classpath-file")).trim();
    String[] entries = classpath.split(":");

    assertTrue(entries.length > 50, classpath);
    for (String entry : entries) {
      assertTrue(entry.startsWith("/app/"), entry + " lies outside the image's /app");
      assertTrue(Files.exists(inRoot(entry)), entry + " is on the classpath but not in the image");
    }
    assertTrue(Files.isRegularFile(inRoot("/app/classes/io/statehouse/api/Main.class")));
    assertTrue(Files.isRegularFile(inRoot("/app/resources/production.conf")));
    // external Cassandra only: the server's jars (which the dev run finds in ~/.m2) are not here
    try (Stream<Path> libs = Files.list(inRoot("/app/libs"))) {
      assertEquals(
          List.of(),
          libs.map(p -> p.getFileName().toString())
              .filter(n -> n.startsWith("cassandra-all"))
              .toList());
    }
  }

  @Test
  void startsTheNodeAsTheImageUserOnAReadOnlyRootAndDialsCassandraOverTls() throws Exception {
    assertEquals(
        "0",
        uid(ProcessHandle.current().pid()),
        "starting the image in a root of its own needs root (CI runs as root); build the image"
            + " alone with -Pimage -DskipTests package");
    String[] user = config.path("config").path("User").asText().split(":");
    Map<String, String> env = nodeEnvironment(user[1]);

    try (ServerSocket cassandra = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      env.put("STATEHOUSE_CASSANDRA_CONTACT_POINT", "127.0.0.1:" + cassandra.getLocalPort());
      CompletableFuture<byte[]> firstBytes = CompletableFuture.supplyAsync(() -> read(cassandra));
      Path log = WORK.resolve("node.log");
      Process node = start(env, user, log);
      try {
        byte[] hello = awaitFirstBytes(firstBytes, node, log);
        // a TLS handshake record (22, version 3.x) carrying a ClientHello (1): the driver in the
        // image read the truststore the environment names, from the mounted secret directory
        assertEquals(22, hello[0], "TLS handshake record");
        assertEquals(3, hello[1], "TLS version major");
        assertEquals(1, hello[5], "ClientHello");
        assertTrue(node.isAlive(), "the node is still waiting for its journal: " + tail(log));
        // the probes: alive while it waits for its journal (Kubernetes must not restart it), not
        // ready until it has one
        String management = "http://127.0.0.1:" + env.get("STATEHOUSE_MANAGEMENT_PORT");
        io.statehouse.api.it.Eventually.await(
            java.time.Duration.ofSeconds(60),
            "the management port answers /alive: " + log,
            () -> status(management + "/alive") == 200);
        // Pekko Management answers a failing check with 500 and the reason
        assertEquals(500, status(management + "/ready"), "not ready without its journal");
        // the exec chain (unshare, sh, unshare) ends in the JVM itself, with this process id
        assertEquals("java", Files.readString(Path.of("/proc", node.pid() + "", "comm")).trim());
        assertEquals(user[0], uid(node.pid()), "the JVM runs as the image's user");
      } finally {
        stop(node);
      }
    }
  }

  /**
   * What the StatefulSet gives the container, with secrets made here and ports free on this
   * machine; bootstrap is off because no Kubernetes API is here to list pods.
   */
  private static Map<String, String> nodeEnvironment(String group) throws Exception {
    Path secrets = Files.createDirectories(inRoot(SECRETS));
    ECKey key =
        new ECKeyGenerator(Curve.P_256)
            .keyID("image-it")
            .algorithm(JWSAlgorithm.ES256)
            .keyUse(KeyUse.SIGNATURE)
            .generate();
    Path signingKeys = secrets.resolve("signing-keys.json");
    Files.writeString(signingKeys, new JWKSet(key).toString(false));
    Path truststore = secrets.resolve("cassandra-truststore.p12");
    KeyStore empty = KeyStore.getInstance("PKCS12");
    empty.load(null, "truststore-password".toCharArray());
    try (OutputStream out = Files.newOutputStream(truststore)) {
      empty.store(out, "truststore-password".toCharArray());
    }
    // as the secret volume mounts them: owner root, group the pod's fsGroup, mode 0440
    for (Path file : List.of(signingKeys, truststore)) {
      Files.setAttribute(file, "unix:gid", Integer.parseInt(group));
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));
    }
    byte[] auditKey = new byte[32];
    new SecureRandom().nextBytes(auditKey);

    Map<String, String> env = new java.util.HashMap<>();
    for (JsonNode var : config.path("config").path("Env")) {
      String[] kv = var.asText().split("=", 2);
      env.put(kv[0], kv[1]);
    }
    env.put("STATEHOUSE_CASSANDRA_DC", "dc1");
    env.put("STATEHOUSE_SIGNING_KEYS_FILE", SECRETS + "/signing-keys.json");
    env.put("STATEHOUSE_CASSANDRA_TRUSTSTORE", SECRETS + "/cassandra-truststore.p12");
    env.put("STATEHOUSE_CASSANDRA_TRUSTSTORE_PASSWORD", "truststore-password");
    env.put("STATEHOUSE_AUDIT_KEY", Base64.getEncoder().encodeToString(auditKey));
    env.put("STATEHOUSE_CLUSTER_HOST", "127.0.0.1");
    env.put("STATEHOUSE_HTTP_INTERFACE", "127.0.0.1");
    int[] ports = FreePorts.pick(3);
    env.put("STATEHOUSE_CLUSTER_PORT", String.valueOf(ports[0]));
    env.put("STATEHOUSE_HTTP_PORT", String.valueOf(ports[1]));
    env.put("STATEHOUSE_MANAGEMENT_PORT", String.valueOf(ports[2]));
    env.put("STATEHOUSE_CLUSTER_BOOTSTRAP", "off");
    return env;
  }

  /**
   * Runs the entrypoint as a container runtime would: in a mount namespace of its own, the root
   * bound read-only, /proc, /dev and a tmpfs /tmp mounted, then the image's root, working
   * directory, group and user. Each step execs the next, so the process is the JVM in the end.
   */
  private static Process start(Map<String, String> env, String[] user, Path log)
      throws IOException {
    String script =
        String.join(
            "\n",
            "set -e",
            "R=$1; W=$2; U=$3; G=$4; shift 4",
            "mount --bind \"$R\" \"$R\"",
            "mount -o remount,bind,ro \"$R\"",
            "mount -t proc proc \"$R/proc\"",
            "mount --rbind /dev \"$R/dev\"",
            "mount -t tmpfs -o mode=1777 tmpfs \"$R/tmp\"",
            "exec unshare --root=\"$R\" --wd=\"$W\" --setgid=\"$G\" --setuid=\"$U\" -- \"$@\"");
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of("unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh"));
    command.add(ROOT.toString());
    command.add(config.path("config").path("WorkingDir").asText("/"));
    command.add(user[0]);
    command.add(user[1]);
    command.addAll(entrypoint());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().clear();
    builder.environment().putAll(env);
    return builder.start();
  }

  private static byte[] awaitFirstBytes(CompletableFuture<byte[]> bytes, Process node, Path log)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!node.isAlive()) {
        fail(
            "the node exited with "
                + node.exitValue()
                + " before dialling Cassandra: "
                + tail(log));
      }
      try {
        return bytes.get(1, TimeUnit.SECONDS);
      } catch (TimeoutException notYet) {
        // keep watching the node
      } catch (ExecutionException e) {
        throw new AssertionError("nothing dialled Cassandra: " + tail(log), e.getCause());
      }
    }
    throw new AssertionError("the node did not dial Cassandra within 90 s: " + tail(log));
  }

  /** SIGTERM (coordinated shutdown), then SIGKILL if it does not exit. */
  /** The status of GET {@code url}, or -1 when nothing answers. */
  private static int status(String url) {
    try {
      return java.net.http.HttpClient.newHttpClient()
          .send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET().build(),
              java.net.http.HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (java.io.IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void stop(Process node) throws InterruptedException {
    node.destroy();
    if (!node.waitFor(60, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      node.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The first six bytes a client sends: a TLS record header and the handshake's type. */
  private static byte[] read(ServerSocket server) {
    try {
      // longer than the test waits, so that the test reports the node's output
      server.setSoTimeout((int) Duration.ofSeconds(120).toMillis());
      try (Socket client = server.accept();
          InputStream in = client.getInputStream()) {
        return in.readNBytes(6);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Extracts one layer over the ones before it, honouring whiteouts: {@code .wh.NAME} deletes NAME
   * of a lower layer, {@code .wh..wh..opq} empties its directory first. Jib writes none, but a
   * registry base image may.
   */
  private static void applyLayer(Path layer) throws Exception {
    List<String> entries =
        run(List.of("tar", "-tzf", layer.toString(), QUIET))
            .lines()
            .map(ContainerImageIT::strip)
            .toList();
    for (String entry : entries) {
      Path path = ROOT.resolve(entry);
      if (path.getFileName() != null && path.getFileName().toString().equals(".wh..wh..opq")) {
        try (Stream<Path> children = Files.list(path.getParent())) {
          for (Path child : children.toList()) {
            deleteTree(child);
          }
        } catch (java.nio.file.NoSuchFileException none) {
          // nothing below to hide
        }
      }
    }
    // as root, tar keeps owners, modes and device nodes as the layer has them
    run(List.of("tar", "-xzf", layer.toString(), "-C", ROOT.toString(), "--numeric-owner", QUIET));
    for (String entry : entries) {
      Path path = ROOT.resolve(entry);
      String name = path.getFileName() == null ? "" : path.getFileName().toString();
      if (name.startsWith(".wh.")) {
        if (!name.equals(".wh..wh..opq")) {
          deleteTree(path.resolveSibling(name.substring(".wh.".length())));
        }
        Files.deleteIfExists(path);
      }
    }
  }

  private static String strip(String entry) {
    String e = entry.startsWith("./") ? entry.substring(2) : entry;
    return e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
  }

  private static List<String> entrypoint() {
    List<String> out = new ArrayList<>();
    config.path("config").path("Entrypoint").forEach(a -> out.add(a.asText()));
    return out;
  }

  private static Path inRoot(String absolute) {
    return ROOT.resolve(absolute.substring(1));
  }

  private static String uid(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("Uid:")) {
        return line.split("\\s+")[1];
      }
    }
    throw new AssertionError("no Uid in /proc/" + pid + "/status");
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(no output)";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(command + " failed: " + out);
    }
    return out;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    requireNoMountUnder(dir);
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
