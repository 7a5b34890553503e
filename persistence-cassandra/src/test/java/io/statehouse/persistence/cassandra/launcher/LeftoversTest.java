package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.cassandra.server.CassandraServerLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leftover handling against stand-in processes; the real thing is in CassandraLauncherIT. */
class LeftoversTest {

  @TempDir Path dir;
  private BaseDirLayout layout;
  private CassandraSettings settings;
  private Process fake;

  @BeforeEach
  void setUp() {
    layout = BaseDirLayout.create(dir);
    int[] ports = FreePorts.pick(2);
    // a short adopt-timeout: the unhealthy cases wait it out
    settings =
        new CassandraSettings(
            dir,
            ports[0],
            ports[1],
            "512M",
            Duration.ofSeconds(120),
            Duration.ofSeconds(45),
            Duration.ofMillis(500),
            "statehouse",
            Optional.empty(),
            true,
            new CommitLogSync(CommitLogSync.Mode.BATCH, Duration.ofMillis(2)));
  }

  @AfterEach
  void killFake() throws InterruptedException {
    if (fake != null) {
      fake.destroyForcibly().waitFor();
    }
  }

  @Test
  void removesThePidFileOfAProcessThatIsGone() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    record(gone.pid());

    assertEquals(Optional.empty(), Leftovers.adoptOrClear(settings, layout));
    assertFalse(Files.exists(layout.pidFile()));
  }

  @Test
  void leavesAloneAProcessThatReusedThePid() throws Exception {
    fake = new ProcessBuilder("sleep", "60").start();
    record(fake.pid());

    assertEquals(Optional.empty(), Leftovers.adoptOrClear(settings, layout));
    assertFalse(Files.exists(layout.pidFile()));
    assertTrue(fake.isAlive(), "an unrelated process was killed");
  }

  @Test
  void removesAPidFileItCannotRead() throws Exception {
    Files.writeString(layout.pidFile(), "pid=12");

    assertEquals(Optional.empty(), Leftovers.adoptOrClear(settings, layout));
    assertFalse(Files.exists(layout.pidFile()));
  }

  @Test
  void adoptsItsServerWhenItAnswersOnTheRequestedPort() throws Exception {
    // watching a live process: another launcher still owns it, and may share it
    fake =
        FakeServerProcess.start(
            layout, settings.cqlPort(), parentFlag(ProcessHandle.current().pid()));
    record(fake.pid());

    RunningCassandra adopted = Leftovers.adoptOrClear(settings, layout).orElseThrow();
    assertTrue(adopted.adopted());
    assertEquals(fake.pid(), adopted.pid());

    adopted.stop();
    assertTrue(fake.waitFor(10, TimeUnit.SECONDS), "stop() of an adopted server did not stop it");
    assertFalse(Files.exists(layout.pidFile()));
  }

  @Test
  void stopsItsServerWhoseParentIsGoneEvenThoughItStillAnswers() throws Exception {
    Process deadNode = new ProcessBuilder("true").start();
    deadNode.waitFor();
    fake = FakeServerProcess.start(layout, settings.cqlPort(), parentFlag(deadNode.pid()));
    record(fake.pid());

    assertEquals(Optional.empty(), Leftovers.adoptOrClear(settings, layout));
    assertFalse(fake.isAlive(), "a server about to stop itself was adopted or left running");
  }

  @Test
  void stopsItsServerWhenItDoesNotAnswerInTime() throws Exception {
    fake = FakeServerProcess.start(layout, 0);
    record(fake.pid());

    assertEquals(Optional.empty(), Leftovers.adoptOrClear(settings, layout));
    assertFalse(fake.isAlive(), "the unhealthy leftover is still running");
    assertFalse(Files.exists(layout.pidFile()));
  }

  @Test
  void stopsItsServerWhenTheSettingsAskForOtherPorts() throws Exception {
    fake = FakeServerProcess.start(layout, settings.cqlPort());
    record(fake.pid());
    int[] other = FreePorts.pick(2);

    assertEquals(
        Optional.empty(), Leftovers.adoptOrClear(settings.withPorts(other[0], other[1]), layout));
    assertFalse(fake.isAlive(), "the leftover on the old ports is still running");
  }

  private static String parentFlag(long pid) {
    return "-D" + CassandraServerLayout.PARENT_PID_PROPERTY + "=" + pid;
  }

  private void record(long pid) {
    new PidFile(pid, settings.cqlPort(), settings.storagePort(), Instant.now())
        .write(layout.pidFile());
  }
}
