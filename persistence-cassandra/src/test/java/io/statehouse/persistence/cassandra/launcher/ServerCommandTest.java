package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.cassandra.server.CassandraServerLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ServerCommandTest {

  private final BaseDirLayout layout = new BaseDirLayout(Path.of("/srv/cass"));
  private final CassandraSettings settings =
      new CassandraSettings(
          layout.root(),
          19042,
          17000,
          "512M",
          Duration.ofSeconds(120),
          Duration.ofSeconds(45),
          Duration.ofSeconds(5),
          "statehouse",
          Optional.empty(),
          true,
          new CommitLogSync(CommitLogSync.Mode.BATCH, Duration.ofMillis(2)));
  private final Path java = Path.of("/jdk17/bin/java");

  @Test
  void runsTheServerMainInItsOwnSessionWithTheRecipeFlags() {
    List<String> command =
        ServerCommand.build(
            java,
            settings,
            layout,
            List.of(Path.of("/a.jar"), Path.of("/b.jar")),
            OptionalLong.empty());

    assertEquals(List.of("/usr/bin/setsid", "/jdk17/bin/java"), command.subList(0, 2));
    assertEquals(CassandraServerLayout.MAIN_CLASS, command.get(command.size() - 1));
    assertEquals("/a.jar:/b.jar", command.get(command.size() - 2));
    assertTrue(command.containsAll(List.of("-Xms512M", "-Xmx512M", "-Dcassandra-foreground=yes")));
    assertTrue(command.contains("java.base/sun.nio.ch=ALL-UNNAMED"), "JPMS opens missing");
    assertTrue(
        command.contains("-Dcassandra.config=file:///srv/cass/conf/cassandra.yaml"),
        command.toString());
    assertTrue(command.contains("-Dcassandra.storagedir=/srv/cass/data"));
  }

  @Test
  void logsCollectionsAndSafepointsToRotatedFilesBesideTheServersLogs() {
    List<String> command =
        ServerCommand.build(java, settings, layout, List.of(), OptionalLong.empty());

    List<String> gc = command.stream().filter(a -> a.startsWith("-Xlog:")).toList();
    assertEquals(
        List.of(
            "-Xlog:gc*,safepoint:file=\""
                + layout.logs().resolve("gc.log")
                + "\":time,uptime,level,tags:filecount=5,filesize=10m"),
        gc);
  }

  @Test
  void namesTheParentOnlyWhenAskedToStopWithIt() {
    String flag = "-D" + CassandraServerLayout.PARENT_PID_PROPERTY + "=";

    List<String> watching =
        ServerCommand.build(java, settings, layout, List.of(), OptionalLong.of(77));
    List<String> free =
        ServerCommand.build(java, settings, layout, List.of(), OptionalLong.empty());

    assertTrue(watching.contains(flag + "77"));
    assertFalse(free.stream().anyMatch(arg -> arg.startsWith(flag)));
  }

  @Test
  void recognisesItsOwnCommandLineAndNoOtherDirs() {
    List<String> command =
        ServerCommand.build(java, settings, layout, List.of(), OptionalLong.empty());
    List<String> argv = command.subList(1, command.size()); // setsid execs java: argv starts there

    assertTrue(ServerProcesses.isServerCommand(argv, layout));
    assertFalse(ServerProcesses.isServerCommand(argv, new BaseDirLayout(Path.of("/srv/other"))));
    assertFalse(
        ServerProcesses.isServerCommand(
            List.of("sleep", "-Dcassandra.storagedir=/srv/cass/data"), layout));
  }
}
