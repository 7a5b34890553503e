package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JdkLocatorTest {

  @TempDir Path jvms;
  private Path jdk25;
  private Path jdk17;
  private Path jdk11;

  @BeforeEach
  void fakeJdks() throws IOException {
    jdk25 = fakeJdk("temurin-25-jdk-amd64", "25.0.3");
    jdk17 = fakeJdk("java-17-openjdk-amd64", "17.0.15");
    jdk11 = fakeJdk("java-11-openjdk-amd64", "11.0.22");
  }

  @Test
  void usesTheCurrentJvmWhenItIs17() {
    assertEquals(
        jdk17.resolve("bin/java"),
        JdkLocator.javaExecutable(jdk17, 17, Optional.of(jdk11), Optional.empty(), jvms));
  }

  @Test
  void usesTheConfiguredHomeWhenTheCurrentJvmIs25() {
    assertEquals(
        jdk11.resolve("bin/java"),
        JdkLocator.javaExecutable(jdk25, 25, Optional.of(jdk11), Optional.of(jdk17), jvms));
  }

  @Test
  void usesJava17HomeWhenNothingIsConfigured() {
    assertEquals(
        jdk17.resolve("bin/java"),
        JdkLocator.javaExecutable(
            jdk25, 25, Optional.empty(), Optional.of(jdk17), Path.of("/nonexistent")));
  }

  @Test
  void findsAJdk17AmongInstalledJdks() {
    assertEquals(
        jdk17.resolve("bin/java"),
        JdkLocator.javaExecutable(jdk25, 25, Optional.empty(), Optional.empty(), jvms));
  }

  @Test
  void refusesAConfiguredJdk25() {
    CassandraLaunchException e =
        assertThrows(
            CassandraLaunchException.class,
            () -> JdkLocator.javaExecutable(jdk25, 25, Optional.of(jdk25), Optional.empty(), jvms));
    assertTrue(e.getMessage().contains("java-home"), e.getMessage());
  }

  @Test
  void saysWhatToSetWhenNoJdk17Exists() throws IOException {
    Path empty = Files.createDirectory(jvms.resolve("empty"));
    CassandraLaunchException e =
        assertThrows(
            CassandraLaunchException.class,
            () -> JdkLocator.javaExecutable(jdk25, 25, Optional.empty(), Optional.empty(), empty));
    assertTrue(e.getMessage().contains("JAVA17_HOME"), e.getMessage());
    assertTrue(e.getMessage().contains("STATEHOUSE_CASSANDRA_JAVA_HOME"), e.getMessage());
  }

  @Test
  void readsTheFeatureVersionOfOldAndNewReleaseFiles() throws IOException {
    Path jdk8 = fakeJdk("jdk8", "1.8.0_402");
    assertEquals(OptionalInt.of(8), JdkLocator.featureOf(jdk8));
    assertEquals(OptionalInt.of(25), JdkLocator.featureOf(jdk25));
    assertEquals(OptionalInt.empty(), JdkLocator.featureOf(jvms.resolve("missing")));
  }

  private Path fakeJdk(String name, String version) throws IOException {
    Path home = jvms.resolve(name);
    Files.createDirectories(home.resolve("bin"));
    Files.writeString(
        home.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"" + version + "\"\n");
    Path java = Files.writeString(home.resolve("bin/java"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }
}
