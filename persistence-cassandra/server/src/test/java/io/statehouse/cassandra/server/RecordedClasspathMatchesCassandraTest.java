package io.statehouse.cassandra.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The recorded classpath must be Cassandra's own dependency graph. The Statehouse parent pom's
 * dependencyManagement also applies to this module's transitive dependencies, so a BOM or version
 * added there for the node silently swaps a jar under Cassandra; this test names the swap instead.
 */
class RecordedClasspathMatchesCassandraTest {

  @Test
  void recordsTheVersionsCassandraParentManages() throws Exception {
    List<Path> recorded = recordedEntries();
    Path cassandraAll =
        recorded.stream()
            .filter(p -> p.getFileName().toString().startsWith("cassandra-all-"))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("cassandra-all is not on the recorded classpath"));
    String version = cassandraAll.getParent().getFileName().toString();
    Path repository = cassandraAll;
    for (int i = 0; i < 6; i++) { // file, version, cassandra-all, cassandra, apache, org
      repository = repository.getParent();
    }
    Map<String, String> managed =
        managedVersions(
            repository.resolve(
                "org/apache/cassandra/cassandra-parent/"
                    + version
                    + "/cassandra-parent-"
                    + version
                    + ".pom"));

    List<String> mismatches = new ArrayList<>();
    for (Path jar : recorded) {
      Path relative = repository.relativize(jar);
      int n = relative.getNameCount();
      String artifactId = relative.getName(n - 3).toString();
      String groupId = relative.subpath(0, n - 3).toString().replace(File.separatorChar, '.');
      String jarVersion = relative.getName(n - 2).toString();
      String wanted = managed.get(groupId + ":" + artifactId);
      // cassandra-parent also manages cassandra-all itself, at a stale snapshot version
      if (jar.equals(cassandraAll)) {
        continue;
      }
      if (wanted != null && !wanted.equals(jarVersion)) {
        mismatches.add(
            groupId + ":" + artifactId + " recorded " + jarVersion + ", Cassandra wants " + wanted);
      }
    }
    assertEquals(
        List.of(),
        mismatches,
        "pin Cassandra's versions in persistence-cassandra/server/pom.xml <dependencyManagement>");
  }

  @Test
  void recordsOnlyJarsThatExist() throws IOException {
    List<Path> recorded = recordedEntries();
    assertTrue(recorded.size() > 50, "expected Cassandra's ~100 jars, got " + recorded.size());
    for (Path jar : recorded) {
      assertTrue(Files.isRegularFile(jar), jar + " does not exist");
    }
  }

  private static List<Path> recordedEntries() throws IOException {
    try (InputStream in =
        CassandraServerLayout.class.getResourceAsStream(
            "/" + CassandraServerLayout.CLASSPATH_RESOURCE)) {
      if (in == null) {
        throw new AssertionError(CassandraServerLayout.CLASSPATH_RESOURCE + " was not generated");
      }
      List<Path> entries = new ArrayList<>();
      for (String entry :
          new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split(File.pathSeparator)) {
        entries.add(Path.of(entry));
      }
      return entries;
    }
  }

  /** groupId:artifactId to version, for the literal versions in a pom's dependencyManagement. */
  private static Map<String, String> managedVersions(Path pom) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Element root = factory.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
    Element management = (Element) root.getElementsByTagName("dependencyManagement").item(0);
    NodeList dependencies = management.getElementsByTagName("dependency");
    Map<String, String> versions = new HashMap<>();
    for (int i = 0; i < dependencies.getLength(); i++) {
      Element dependency = (Element) dependencies.item(i);
      if (!(dependency.getParentNode() instanceof Element parent)
          || !parent.getParentNode().isSameNode(management)) {
        continue; // an <exclusion>'s nested element, not a managed dependency
      }
      String version = text(dependency, "version");
      if (!version.isEmpty() && !version.contains("${")) {
        versions.put(text(dependency, "groupId") + ":" + text(dependency, "artifactId"), version);
      }
    }
    return versions;
  }

  private static String text(Element element, String child) {
    NodeList nodes = element.getElementsByTagName(child);
    return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().trim();
  }
}
