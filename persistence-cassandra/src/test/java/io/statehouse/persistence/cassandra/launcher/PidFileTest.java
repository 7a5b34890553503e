package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {

  @TempDir Path dir;

  @Test
  void readsBackWhatItWrote() {
    PidFile written = new PidFile(4242, 9042, 7000, Instant.parse("2026-01-02T03:04:05.123Z"));
    Path file = dir.resolve("cassandra.pid");
    written.write(file);

    assertEquals(Optional.of(written), PidFile.read(file));
    assertFalse(Files.exists(dir.resolve("cassandra.pid.tmp")), "temporary file left behind");
  }

  @Test
  void readsNothingWhenThereIsNoFile() {
    assertEquals(Optional.empty(), PidFile.read(dir.resolve("cassandra.pid")));
  }

  @Test
  void rejectsAFileCutShortByACrash() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PidFile.parse("pid=4242\ncql-port=90"));
    assertTrue(e.getMessage().contains("storage-port"), e.getMessage());
  }

  @Test
  void rejectsAGarbledNumber() {
    assertThrows(
        IllegalArgumentException.class,
        () -> PidFile.parse("pid=x\ncql-port=1\nstorage-port=2\nstarted-at=2026-01-02T03:04:05Z"));
  }

  @Test
  void leavesAFileThatNamesAnotherLaunchersServer() {
    Path file = dir.resolve("cassandra.pid");
    new PidFile(1111, 9042, 7000, Instant.now()).write(file);

    PidFile.deleteIfNames(file, 2222);
    assertTrue(Files.exists(file));

    PidFile.deleteIfNames(file, 1111);
    assertFalse(Files.exists(file));
  }
}
