package io.statehouse.persistence.cassandra.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.datastax.oss.driver.api.core.CqlSession;
import io.statehouse.persistence.cassandra.launcher.TestCql;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two test classes (nested here so their order is fixed) share one server and get keyspaces of
 * their own, through each injection point the extension supports.
 */
@ExtendWith(CassandraExtension.class)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class CassandraExtensionIT {

  private static final Map<String, CassandraTestKeyspaces> SEEN = new ConcurrentHashMap<>();

  @Nested
  @Order(1)
  class FirstTestClass {

    private final CassandraTestKeyspaces keyspaces;

    FirstTestClass(CassandraTestKeyspaces keyspaces) {
      this.keyspaces = keyspaces;
    }

    @Test
    void writesAndReadsARowThroughItsConfig(CassandraTestKeyspaces injected) {
      assertEquals(keyspaces, injected, "constructor and method saw different keyspaces");
      SEEN.put("first", injected);
      assertEquals("first", roundTrip(injected, "first"));
    }
  }

  @Nested
  @Order(2)
  class SecondTestClass {

    private static CassandraTestKeyspaces fromBeforeAll;

    @BeforeAll
    static void capture(CassandraTestKeyspaces keyspaces) {
      fromBeforeAll = keyspaces;
    }

    @Test
    void getsOtherKeyspacesThanTheFirstClassOnTheSameServer(CassandraTestKeyspaces injected) {
      assertEquals(fromBeforeAll, injected, "@BeforeAll and method saw different keyspaces");
      CassandraTestKeyspaces first = SEEN.get("first");
      assertNotNull(first, "the first test class did not run first");

      assertEquals(first.contactPoint(), injected.contactPoint());
      assertNotEquals(first.journalKeyspace(), injected.journalKeyspace());
      assertNotEquals(first.snapshotKeyspace(), injected.snapshotKeyspace());
      assertNotEquals(first.readSideKeyspace(), injected.readSideKeyspace());
      // same table name, own keyspace: the first class's row is not visible here
      assertEquals("second", roundTrip(injected, "second"));
    }
  }

  /** Creates kv in the class's read-side keyspace, writes one row, returns what a scan sees. */
  private static String roundTrip(CassandraTestKeyspaces keyspaces, String value) {
    String ks = keyspaces.readSideKeyspace();
    try (CqlSession session = TestCql.connect(keyspaces.config())) {
      session.execute(
          "CREATE KEYSPACE "
              + ks
              + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      session.execute("CREATE TABLE " + ks + ".kv (k text PRIMARY KEY, v text)");
      session.execute("INSERT INTO " + ks + ".kv (k, v) VALUES ('row', '" + value + "')");
      var rows = session.execute("SELECT v FROM " + ks + ".kv").all();
      assertEquals(1, rows.size(), "rows of another test class leaked into " + ks);
      return rows.get(0).getString("v");
    }
  }
}
