package io.statehouse.persistence.cassandra.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyspaceNamesTest {

  private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 19042);

  static class ResumesToolCallAfterCrashIT {
    class WithApproval {}
  }

  static class AVeryLongTestClassNameThatGoesOnAndOnAboutEverythingItChecksIT {}

  static class HTTPRoutesIT {}

  @Test
  void snakeCasesTheClassNameIncludingEnclosingClassesCutAtAWordBoundary() {
    assertEquals("keyspace_names_test", KeyspaceNames.stem(KeyspaceNamesTest.class));
    assertEquals(
        "keyspace_names_test_resumes_tool", KeyspaceNames.stem(ResumesToolCallAfterCrashIT.class));
    assertEquals(
        "keyspace_names_test_resumes_tool",
        KeyspaceNames.stem(ResumesToolCallAfterCrashIT.WithApproval.class));
    // cut after "routes_": the trailing underscore goes too
    assertEquals("keyspace_names_test_http_routes", KeyspaceNames.stem(HTTPRoutesIT.class));
  }

  @Test
  void staysWithinCassandrasLimitAndAlphabet() {
    CassandraTestKeyspaces keyspaces =
        KeyspaceNames.forClass(
            AVeryLongTestClassNameThatGoesOnAndOnAboutEverythingItChecksIT.class,
            SERVER,
            new Random(1));

    for (String name :
        List.of(
            keyspaces.journalKeyspace(),
            keyspaces.snapshotKeyspace(),
            keyspaces.readSideKeyspace())) {
      assertTrue(name.length() <= 48, name + " is longer than 48");
      assertTrue(name.matches("[a-z][a-z0-9_]*"), name + " is not a plain CQL identifier");
    }
  }

  @Test
  void givesTwoClassesWithTheSameNameDifferentKeyspaces() {
    Random random = new Random(7);
    CassandraTestKeyspaces first = KeyspaceNames.forClass(HTTPRoutesIT.class, SERVER, random);
    CassandraTestKeyspaces second = KeyspaceNames.forClass(HTTPRoutesIT.class, SERVER, random);

    assertNotEquals(first.journalKeyspace(), second.journalKeyspace());
  }

  @Test
  void pointsDriverAndPekkoPluginAtTheServerAndKeyspaces() {
    CassandraTestKeyspaces keyspaces =
        KeyspaceNames.forClass(HTTPRoutesIT.class, SERVER, new Random(3));
    var config = keyspaces.config();

    assertEquals(
        List.of("127.0.0.1:19042"),
        config.getStringList("datastax-java-driver.basic.contact-points"));
    assertEquals(
        "datacenter1",
        config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter"));
    assertEquals(
        keyspaces.journalKeyspace(),
        config.getString("pekko.persistence.cassandra.journal.keyspace"));
    assertEquals(
        keyspaces.snapshotKeyspace(),
        config.getString("pekko.persistence.cassandra.snapshot.keyspace"));
    assertEquals(
        keyspaces.readSideKeyspace(), config.getString("statehouse.cassandra.read-side.keyspace"));
  }
}
