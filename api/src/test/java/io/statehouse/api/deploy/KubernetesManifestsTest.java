package io.statehouse.api.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes agrees with the configuration the pods run (production.conf, resolved with the
 * environment the StatefulSet gives its container): the probes ask the management endpoints on the
 * management port, the pods carry the label that discovery selects, the service account may list
 * pods, and every required variable and file is provided.
 */
class KubernetesManifestsTest {
  private static final Path DIR = Path.of("..", "deploy", "kubernetes");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode kustomization;
  private static final Map<String, JsonNode> BY_KIND = new LinkedHashMap<>();

  @BeforeAll
  static void parse() throws IOException {
    kustomization = YAML.readTree(DIR.resolve("kustomization.yaml").toFile());
    for (JsonNode file : kustomization.path("resources")) {
      JsonNode resource = YAML.readTree(DIR.resolve(file.asText()).toFile());
      String key =
          resource.path("kind").asText() + "/" + resource.path("metadata").path("name").asText();
      BY_KIND.put(key, resource);
    }
  }

  @Test
  void kustomizationListsEveryManifestAndNoneNamesANamespace() throws IOException {
    Set<String> listed = new HashSet<>();
    kustomization.path("resources").forEach(r -> listed.add(r.asText()));
    try (Stream<Path> files = Files.list(DIR)) {
      Set<String> manifests = new HashSet<>();
      files
          .map(f -> f.getFileName().toString())
          .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
          .forEach(manifests::add);
      assertEquals(manifests, listed, "a manifest kustomize does not apply is a mistake");
    }
    assertFalse(kustomization.has("namespace"));
    BY_KIND.forEach(
        (key, resource) ->
            assertFalse(resource.path("metadata").has("namespace"), key + " names a namespace"));
  }

  @Test
  void probesAskTheManagementEndpointsOnTheManagementPort() {
    Config config = podConfig();
    JsonNode container = container();
    String base = config.getString("pekko.management.http.base-path");
    String prefix = base.isEmpty() ? "/" : "/" + base + "/";
    String ready = prefix + config.getString("pekko.management.health-checks.readiness-path");
    String alive = prefix + config.getString("pekko.management.health-checks.liveness-path");
    int managementPort = config.getInt("pekko.management.http.port");

    assertEquals(ready, container.path("readinessProbe").path("httpGet").path("path").asText());
    assertEquals(alive, container.path("livenessProbe").path("httpGet").path("path").asText());
    assertEquals(alive, container.path("startupProbe").path("httpGet").path("path").asText());
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      JsonNode port = container.path(probe).path("httpGet").path("port");
      assertEquals(managementPort, containerPort(container, port), probe);
    }
  }

  @Test
  void podsCarryTheLabelThatClusterBootstrapSelects() {
    Config config = podConfig();
    String serviceName =
        config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name");
    String selector =
        String.format(
            config.getString("pekko.discovery.kubernetes-api.pod-label-selector"), serviceName);
    Map<String, String> labels = podLabels();

    assertEquals("kubernetes-api", config.getString("pekko.discovery.method"));
    assertTrue(config.getBoolean("statehouse.cluster.bootstrap"));
    for (String term : selector.split(",")) {
      String[] kv = term.split("=", 2);
      assertEquals(kv[1].trim(), labels.get(kv[0].trim()), "pods must match " + selector);
    }
    // the contact points' management port is the container port of this name
    String portName =
        config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.port-name");
    assertEquals(
        config.getInt("pekko.management.http.port"),
        containerPort(container(), YAML.getNodeFactory().textNode(portName)));
    // remoting and the API listen where the config says
    assertEquals(
        config.getInt("pekko.remote.artery.canonical.port"),
        containerPort(container(), YAML.getNodeFactory().textNode("remoting")));
    assertEquals(
        config.getInt("statehouse.http.port"),
        containerPort(container(), YAML.getNodeFactory().textNode("http")));
    assertEquals("0.0.0.0", config.getString("statehouse.http.interface"));
  }

  @Test
  void theServiceAccountMayListAndWatchPodsAndNothingElse() {
    JsonNode role = resource("Role", "statehouse-pod-reader");
    JsonNode binding = resource("RoleBinding", "statehouse-pod-reader");
    String account =
        statefulSet()
            .path("spec")
            .path("template")
            .path("spec")
            .path("serviceAccountName")
            .asText();

    assertNotNull(BY_KIND.get("ServiceAccount/" + account), "the pods' service account exists");
    assertEquals(1, role.path("rules").size());
    JsonNode rule = role.path("rules").get(0);
    assertEquals(Set.of(""), texts(rule.path("apiGroups")));
    assertEquals(Set.of("pods"), texts(rule.path("resources")));
    assertEquals(Set.of("get", "watch", "list"), texts(rule.path("verbs")));
    assertEquals("Role", binding.path("roleRef").path("kind").asText());
    assertEquals("statehouse-pod-reader", binding.path("roleRef").path("name").asText());
    JsonNode subject = binding.path("subjects").get(0);
    assertEquals("ServiceAccount", subject.path("kind").asText());
    assertEquals(account, subject.path("name").asText());
  }

  @Test
  void aDisruptionTakesAtMostOneNodeAtATime() {
    JsonNode spec = resource("PodDisruptionBudget", "statehouse").path("spec");

    assertEquals(1, spec.path("maxUnavailable").asInt());
    assertSelects(spec.path("selector").path("matchLabels"));
  }

  @Test
  void servicesReachTheNamedPortsOfThePods() {
    JsonNode headless = resource("Service", "statehouse-management").path("spec");
    JsonNode api = resource("Service", "statehouse").path("spec");
    JsonNode container = container();

    assertEquals("statehouse-management", statefulSet().path("spec").path("serviceName").asText());
    assertEquals("None", headless.path("clusterIP").asText());
    // bootstrap and operators need pods that are not ready yet
    assertTrue(headless.path("publishNotReadyAddresses").asBoolean());
    for (JsonNode spec : List.of(headless, api)) {
      assertSelects(spec.path("selector"));
      for (JsonNode port : spec.path("ports")) {
        assertEquals(port.path("port").asInt(), containerPort(container, port.path("targetPort")));
      }
    }
    assertEquals(Set.of("management", "remoting"), names(headless.path("ports")));
    assertEquals(Set.of("http"), names(api.path("ports")));
  }

  @Test
  void everyVariableAndFileTheNodeNeedsIsProvided() {
    JsonNode pod = statefulSet().path("spec").path("template").path("spec");
    Map<String, String> env = podEnv();

    // resolving production.conf with exactly the pod's variables succeeds (podConfig throws if not)
    podConfig();
    for (String required : ProductionConfig.REQUIRED_ENV.keySet()) {
      assertTrue(env.containsKey(required), required);
    }
    // secrets come from a Secret, never from a value in the manifest
    for (String secret :
        List.of(
            "STATEHOUSE_AUDIT_KEY",
            "STATEHOUSE_CASSANDRA_PASSWORD",
            "STATEHOUSE_CASSANDRA_TRUSTSTORE_PASSWORD")) {
      JsonNode var = envVar(secret);
      assertFalse(var.has("value"), secret);
      assertFalse(
          var.path("valueFrom").path("secretKeyRef").path("name").asText().isEmpty(), secret);
    }
    // files named by the environment are in the mounted secret volume
    Map<String, String> secretMounts = new HashMap<>();
    for (JsonNode mount : container().path("volumeMounts")) {
      for (JsonNode volume : pod.path("volumes")) {
        if (volume.path("name").equals(mount.path("name")) && volume.has("secret")) {
          secretMounts.put(mount.path("mountPath").asText(), volume.path("name").asText());
        }
      }
    }
    for (String file : List.of("STATEHOUSE_SIGNING_KEYS_FILE", "STATEHOUSE_CASSANDRA_TRUSTSTORE")) {
      Path path = Path.of(env.get(file));
      assertTrue(secretMounts.containsKey(path.getParent().toString()), file + " " + path);
    }
  }

  @Test
  void theOperatorsConfigFileIsMountedWhereProductionConfIncludesIt() throws IOException {
    String productionConf =
        new String(
            ProductionConfigTest.class.getResourceAsStream("/production.conf").readAllBytes(),
            java.nio.charset.StandardCharsets.UTF_8);
    Matcher include = Pattern.compile("include file\\(\"([^\"]+)\"\\)").matcher(productionConf);
    assertTrue(include.find(), "production.conf includes the operator's file");
    String generated = kustomization.path("configMapGenerator").get(0).path("name").asText();
    String file = kustomization.path("configMapGenerator").get(0).path("files").get(0).asText();
    assertTrue(Files.exists(DIR.resolve(file)));

    JsonNode mount = volumeMount(include.group(1));
    assertEquals(file, mount.path("subPath").asText());
    JsonNode volume = volume(mount.path("name").asText());
    assertEquals(generated, volume.path("configMap").path("name").asText());
  }

  @Test
  void runsAsTheImagesNonRootUserOnAReadOnlyRootWithAWritableTmp() throws IOException {
    JsonNode pod = statefulSet().path("spec").path("template").path("spec");
    JsonNode security = container().path("securityContext");
    Matcher user =
        Pattern.compile("<statehouse.image.user>(\\d+):(\\d+)</statehouse.image.user>")
            .matcher(Files.readString(Path.of("pom.xml")));
    assertTrue(user.find(), "api/pom.xml names the image's user");

    assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean());
    assertEquals(user.group(1), pod.path("securityContext").path("runAsUser").asText());
    assertEquals(user.group(2), pod.path("securityContext").path("runAsGroup").asText());
    assertTrue(security.path("readOnlyRootFilesystem").asBoolean());
    assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true));
    assertEquals(Set.of("ALL"), texts(security.path("capabilities").path("drop")));
    assertTrue(volume(volumeMount("/tmp").path("name").asText()).has("emptyDir"));
  }

  /** production.conf resolved with the container's environment, as the pod would resolve it. */
  private static Config podConfig() {
    return ProductionConfig.load(podEnv());
  }

  /**
   * The container's variables: literal values as they are, a label reference as the pod's label,
   * the pod's IP as an address, a secret reference as a placeholder.
   */
  private static Map<String, String> podEnv() {
    Map<String, String> env = new HashMap<>();
    for (JsonNode var : container().path("env")) {
      String name = var.path("name").asText();
      JsonNode from = var.path("valueFrom");
      if (var.has("value")) {
        env.put(name, var.path("value").asText());
      } else if (from.has("secretKeyRef")) {
        env.put(name, "secret-from-" + from.path("secretKeyRef").path("name").asText());
      } else {
        String field = from.path("fieldRef").path("fieldPath").asText();
        Matcher label = Pattern.compile("metadata\\.labels\\['(.+)'\\]").matcher(field);
        if (label.matches()) {
          env.put(name, podLabels().get(label.group(1)));
        } else {
          assertEquals("status.podIP", field, name);
          env.put(name, "10.1.2.3");
        }
      }
    }
    return env;
  }

  private static JsonNode statefulSet() {
    return resource("StatefulSet", "statehouse");
  }

  private static JsonNode container() {
    JsonNode containers =
        statefulSet().path("spec").path("template").path("spec").path("containers");
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  private static Map<String, String> podLabels() {
    Map<String, String> labels = new HashMap<>();
    statefulSet()
        .path("spec")
        .path("template")
        .path("metadata")
        .path("labels")
        .properties()
        .forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }

  private static void assertSelects(JsonNode matchLabels) {
    Map<String, String> labels = podLabels();
    assertTrue(matchLabels.size() > 0, "an empty selector selects every pod");
    matchLabels
        .properties()
        .forEach(e -> assertEquals(e.getValue().asText(), labels.get(e.getKey())));
  }

  /** A container port by number or by name. */
  private static int containerPort(JsonNode container, JsonNode port) {
    if (port.isInt()) {
      return port.asInt();
    }
    for (JsonNode p : container.path("ports")) {
      if (p.path("name").asText().equals(port.asText())) {
        return p.path("containerPort").asInt();
      }
    }
    throw new AssertionError("no container port named " + port.asText());
  }

  private static JsonNode envVar(String name) {
    for (JsonNode var : container().path("env")) {
      if (var.path("name").asText().equals(name)) {
        return var;
      }
    }
    throw new AssertionError("no variable " + name);
  }

  private static JsonNode volumeMount(String path) {
    for (JsonNode mount : container().path("volumeMounts")) {
      if (mount.path("mountPath").asText().equals(path)) {
        return mount;
      }
    }
    throw new AssertionError("nothing is mounted at " + path);
  }

  private static JsonNode volume(String name) {
    for (JsonNode volume :
        statefulSet().path("spec").path("template").path("spec").path("volumes")) {
      if (volume.path("name").asText().equals(name)) {
        return volume;
      }
    }
    throw new AssertionError("no volume " + name);
  }

  private static JsonNode resource(String kind, String name) {
    JsonNode resource = BY_KIND.get(kind + "/" + name);
    if (resource == null) {
      throw new AssertionError(kind + "/" + name + " is not in the kustomization");
    }
    return resource;
  }

  private static Set<String> texts(JsonNode array) {
    Set<String> out = new HashSet<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Set<String> names(JsonNode ports) {
    Set<String> out = new HashSet<>();
    ports.forEach(p -> out.add(p.path("name").asText()));
    return out;
  }
}
