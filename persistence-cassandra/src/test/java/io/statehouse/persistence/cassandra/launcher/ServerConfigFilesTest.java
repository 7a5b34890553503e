package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.persistence.cassandra.journal.JournalWriteCoalescer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerConfigFilesTest {

  private final BaseDirLayout layout = new BaseDirLayout(Path.of("/srv/it's here"));
  private final CassandraSettings settings =
      new CassandraSettings(
          layout.root(),
          19042,
          17000,
          "512M",
          Duration.ofSeconds(120),
          Duration.ofSeconds(45),
          Duration.ofSeconds(5),
          "dev cluster",
          Optional.empty(),
          true,
          new CommitLogSync(CommitLogSync.Mode.BATCH, Duration.ofMillis(2)));

  @Test
  void bindsOnlyLoopbackOnTheChosenPortsAndSeedsItself() {
    String yaml = ServerConfigFiles.cassandraYaml(settings, layout);

    assertTrue(yaml.contains("\nlisten_address: 127.0.0.1\n"), yaml);
    assertTrue(yaml.contains("\nrpc_address: 127.0.0.1\n"), yaml);
    assertTrue(yaml.contains("\nnative_transport_port: 19042\n"), yaml);
    assertTrue(yaml.contains("\nstorage_port: 17000\n"), yaml);
    assertTrue(yaml.contains("- seeds: \"127.0.0.1:17000\""), yaml);
    assertTrue(yaml.contains("\ncluster_name: 'dev cluster'\n"), yaml);
  }

  @Test
  void keepsEveryDirectoryInsideTheBaseDirWithQuotesEscaped() {
    String yaml = ServerConfigFiles.cassandraYaml(settings, layout);

    assertTrue(yaml.contains("commitlog_directory: '/srv/it''s here/data/commitlog'"), yaml);
    assertTrue(yaml.contains("  - '/srv/it''s here/data/data'"), yaml);
    assertTrue(yaml.contains("hints_directory: '/srv/it''s here/data/hints'"), yaml);
  }

  @Test
  void leavesTheMemtablesCassandrasDefaultOfAQuarterOfTheHeap() {
    String yaml = ServerConfigFiles.cassandraYaml(settings, layout);

    assertFalse(yaml.contains("memtable_heap_space"), yaml);
    assertFalse(yaml.contains("memtable_offheap_space"), yaml);
  }

  @Test
  void warnsOfBatchesOnlyAboveWhatTheJournalCombinesInOneRequest() {
    String yaml = ServerConfigFiles.cassandraYaml(settings, layout);
    JournalWriteCoalescer.Settings coalesce =
        JournalWriteCoalescer.Settings.fromConfig(
            ConfigFactory.parseResources("statehouse/persistence.conf")
                .withFallback(ConfigFactory.load())
                .resolve());

    assertTrue(yaml.contains("\nbatch_size_warn_threshold: 64KiB\n"), yaml);
    assertTrue(yaml.contains("\nunlogged_batch_across_partitions_warn_threshold: 64\n"), yaml);
    assertTrue(coalesce.maxBytes() < 64 * 1024, coalesce.toString());
    assertTrue(coalesce.maxWrites() < 64, coalesce.toString());
    // and below Cassandra's default batch_size_fail_threshold, which the launcher keeps
    assertTrue(coalesce.maxBytes() < 50 * 1024, coalesce.toString());
    assertFalse(yaml.contains("batch_size_fail_threshold"), yaml);
  }

  @Test
  void acknowledgesAWriteOnlyAfterItsCommitLogIsSynced() {
    String yaml = ServerConfigFiles.cassandraYaml(settings, layout);

    assertTrue(yaml.contains("\ncommitlog_sync: batch\n"), yaml);
    assertFalse(yaml.contains("periodic"), yaml);
  }

  @Test
  void groupModeWaitsAtMostItsWindowAndPeriodicModeStaysAvailableForComparison() {
    String group =
        ServerConfigFiles.cassandraYaml(
            settings.withCommitLog(CommitLogSync.of("group", Duration.ofMillis(3))), layout);
    String periodic =
        ServerConfigFiles.cassandraYaml(
            settings.withCommitLog(CommitLogSync.of("periodic", Duration.ofSeconds(10))), layout);

    assertTrue(
        group.contains("\ncommitlog_sync: group\ncommitlog_sync_group_window: 3ms\n"), group);
    assertTrue(
        periodic.contains("\ncommitlog_sync: periodic\ncommitlog_sync_period: 10000ms\n"),
        periodic);
  }

  @Test
  void logsToTheBaseDirWithXmlEscapedPath() {
    String xml = ServerConfigFiles.logbackXml(layout);

    assertTrue(xml.contains("<file>/srv/it&apos;s here/logs/system.log</file>"), xml);
    assertEquals("a&amp;b&lt;c&gt;", ServerConfigFiles.xmlEscaped("a&b<c>"));
  }
}
