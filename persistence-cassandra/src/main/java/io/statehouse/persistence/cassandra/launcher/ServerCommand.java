package io.statehouse.persistence.cassandra.launcher;

import io.statehouse.cassandra.server.CassandraServerLayout;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * The command line of the Cassandra child JVM.
 *
 * <p>The flags are Cassandra's own conf/jvm-server.options and conf/jvm17-server.options (the JPMS
 * section), as proven in docs/operations.md: without the --add-exports/--add-opens list Cassandra
 * exits with "unable to access required classes". The command starts with setsid so the server runs
 * in its own session: a Ctrl-C at the node's terminal reaches the node, whose shutdown then stops
 * Cassandra in order, instead of hitting both at once.
 */
final class ServerCommand {

  static final String SETSID = "/usr/bin/setsid";

  private static final List<String> JVM_FLAGS =
      List.of(
          "-Xss256k",
          "-ea",
          "-da:net.openhft...",
          "-XX:+UseG1GC",
          "-XX:+ParallelRefProcEnabled",
          "-XX:MaxTenuringThreshold=1",
          "-XX:G1HeapRegionSize=16m",
          "-XX:+UseThreadPriorities",
          "-XX:+HeapDumpOnOutOfMemoryError",
          "-XX:+PerfDisableSharedMem",
          "-Djava.net.preferIPv4Stack=true",
          "-Djdk.attach.allowAttachSelf=true",
          "--add-exports",
          "java.base/jdk.internal.misc=ALL-UNNAMED",
          "--add-exports",
          "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
          "--add-exports",
          "java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports",
          "java.rmi/sun.rmi.server=ALL-UNNAMED",
          "--add-exports",
          "java.sql/java.sql=ALL-UNNAMED",
          "--add-exports",
          "java.base/java.lang.ref=ALL-UNNAMED",
          "--add-exports",
          "jdk.unsupported/sun.misc=ALL-UNNAMED",
          "--add-exports",
          "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
          "--add-exports",
          "jdk.attach/sun.tools.attach=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.lang.module=ALL-UNNAMED",
          "--add-opens",
          "java.base/jdk.internal.loader=ALL-UNNAMED",
          "--add-opens",
          "java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens",
          "java.base/jdk.internal.reflect=ALL-UNNAMED",
          "--add-opens",
          "java.base/jdk.internal.math=ALL-UNNAMED",
          "--add-opens",
          "java.base/jdk.internal.module=ALL-UNNAMED",
          "--add-opens",
          "java.base/jdk.internal.util.jar=ALL-UNNAMED",
          "--add-opens",
          "jdk.management/com.sun.management.internal=ALL-UNNAMED",
          "--add-opens",
          "java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.io=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens",
          "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.lang=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.util=ALL-UNNAMED",
          "-Dio.netty.tryReflectionSetAccessible=true",
          "-Dio.netty.allocator.useCacheForAllThreads=true",
          "-Dio.netty.allocator.maxOrder=11",
          "-Dcassandra-foreground=yes");

  private ServerCommand() {}

  /**
   * The token that marks a process as the server of {@code layout}; see {@link ServerProcesses}.
   */
  static String storageDirFlag(BaseDirLayout layout) {
    return "-Dcassandra.storagedir=" + layout.data();
  }

  static List<String> build(
      Path java,
      CassandraSettings settings,
      BaseDirLayout layout,
      List<Path> classpath,
      OptionalLong parentPid) {
    List<String> command = new ArrayList<>();
    command.add(SETSID);
    command.add(java.toString());
    command.add("-Xms" + settings.heap());
    command.add("-Xmx" + settings.heap());
    command.addAll(JVM_FLAGS);
    // Crash artefacts go to the base dir, not to whatever directory the node was started from.
    command.add("-XX:HeapDumpPath=" + layout.logs());
    command.add("-XX:ErrorFile=" + layout.logs().resolve("hs_err_pid%p.log"));
    // every collection and safepoint, with wall-clock times, in at most 5 x 10 MB beside the logs:
    // a stalled write can be matched to a pause (as Cassandra's own jvm options do). Quoted: a ':'
    // in the base dir's path would otherwise end the file name and fail the JVM's start
    command.add(
        "-Xlog:gc*,safepoint:file=\""
            + layout.logs().resolve("gc.log")
            + "\":time,uptime,level,tags:filecount=5,filesize=10m");
    command.add("-Dcassandra.config=" + layout.cassandraYaml().toUri());
    command.add("-Dlogback.configurationFile=" + layout.logbackXml());
    command.add(storageDirFlag(layout));
    command.add("-Dcassandra.logdir=" + layout.logs());
    parentPid.ifPresent(
        pid -> command.add("-D" + CassandraServerLayout.PARENT_PID_PROPERTY + "=" + pid));
    command.add("-cp");
    command.add(
        classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
    command.add(CassandraServerLayout.MAIN_CLASS);
    return command;
  }
}
