package io.statehouse.persistence.cassandra.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Renders cassandra.yaml and logback.xml for a single node on 127.0.0.1.
 *
 * <p>The cassandra-all jar ships neither file. Values follow the proven recipe in
 * docs/operations.md: one token at 0 and the node as its own seed, so it goes straight to NORMAL
 * without waiting for peers; small thread pools for a dev box. Memtables keep Cassandra's own
 * default, a quarter of the heap: at 64 MiB (the first recipe) a node under load flushed every 2-3
 * s, and its compactions of the many small SSTables took the CPU turns need (docs/benchmarks.md).
 * Both files are rewritten on every fresh start so a port or path change always takes effect.
 */
final class ServerConfigFiles {

  private ServerConfigFiles() {}

  static void write(CassandraSettings settings, BaseDirLayout layout) {
    try {
      Files.writeString(
          layout.cassandraYaml(), cassandraYaml(settings, layout), StandardCharsets.UTF_8);
      Files.writeString(layout.logbackXml(), logbackXml(layout), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write Cassandra config into " + layout.conf(), e);
    }
  }

  static String cassandraYaml(CassandraSettings settings, BaseDirLayout layout) {
    Path data = layout.data();
    return String.join(
        "\n",
        "# Written by the Statehouse launcher on each start; edits are overwritten.",
        "cluster_name: " + quoted(settings.clusterName()),
        "num_tokens: 1",
        "initial_token: 0",
        "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
        "data_file_directories:",
        "  - " + quoted(data.resolve("data").toString()),
        "commitlog_directory: " + quoted(data.resolve("commitlog").toString()),
        "saved_caches_directory: " + quoted(data.resolve("saved_caches").toString()),
        "hints_directory: " + quoted(data.resolve("hints").toString()),
        "cdc_raw_directory: " + quoted(data.resolve("cdc_raw").toString()),
        // an acknowledged journal write must survive a crash of this process: see CommitLogSync
        settings.commitLog().yamlLines(),
        "commitlog_segment_size: 32MiB",
        "seed_provider:",
        "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
        "    parameters:",
        "      - seeds: \"127.0.0.1:" + settings.storagePort() + "\"",
        "listen_address: 127.0.0.1",
        "rpc_address: 127.0.0.1",
        "storage_port: " + settings.storagePort(),
        "native_transport_port: " + settings.cqlPort(),
        "start_native_transport: true",
        "endpoint_snitch: SimpleSnitch",
        "authenticator: AllowAllAuthenticator",
        "authorizer: AllowAllAuthorizer",
        "role_manager: CassandraRoleManager",
        "network_authorizer: AllowAllNetworkAuthorizer",
        "concurrent_reads: 8",
        "concurrent_writes: 8",
        "concurrent_counter_writes: 8",
        // the journal sends many sessions' writes as one unlogged batch
        // (statehouse.journal.coalesce,
        // at most 32 writes and 32 KiB): past Cassandra's defaults (5 KiB, 10 partitions) it would
        // log a warning for nearly every such batch, and the driver would log it again
        "batch_size_warn_threshold: 64KiB",
        "unlogged_batch_across_partitions_warn_threshold: 64",
        "auto_snapshot: false",
        "snapshot_before_compaction: false",
        "storage_compatibility_mode: NONE",
        "");
  }

  static String logbackXml(BaseDirLayout layout) {
    // Without this file logback's default is DEBUG on the console. Only warnings reach the console
    // (console.log), so its tail is the useful part when a start fails; system.log has everything.
    String pattern = "%-5level [%thread] %date{ISO8601} %F:%L - %msg%n";
    return String.join(
        "\n",
        "<configuration scan=\"false\">",
        "  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">",
        "    <file>" + xmlEscaped(layout.systemLog().toString()) + "</file>",
        "    <encoder><pattern>" + pattern + "</pattern></encoder>",
        "  </appender>",
        "  <appender name=\"STDOUT\" class=\"ch.qos.logback.core.ConsoleAppender\">",
        "    <filter class=\"ch.qos.logback.classic.filter.ThresholdFilter\">",
        "      <level>WARN</level>",
        "    </filter>",
        "    <encoder><pattern>" + pattern + "</pattern></encoder>",
        "  </appender>",
        "  <root level=\"INFO\">",
        "    <appender-ref ref=\"FILE\"/>",
        "    <appender-ref ref=\"STDOUT\"/>",
        "  </root>",
        "</configuration>",
        "");
  }

  /** YAML single-quoted scalar: no escapes except a doubled quote. */
  static String quoted(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  static String xmlEscaped(String value) {
    return value
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&apos;");
  }
}
