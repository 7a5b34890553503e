package io.statehouse.api.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import io.statehouse.api.Main;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Statehouse node in its own JVM ({@link Main}, the same entry point as production), so a test
 * can kill it with SIGKILL mid-turn and start another on the same keyspaces.
 */
public final class NodeProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private NodeProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts a node with {@code overrides} on top of application.conf and waits until it is ready.
   */
  public static NodeProcess start(String name, Config overrides, int httpPort, Duration readyWithin)
      throws IOException {
    return start(name, overrides, httpPort, readyWithin, List.of());
  }

  /**
   * As {@link #start(String, Config, int, Duration)}, with {@code jvmArgs} such as -D flags; they
   * follow the default -Xmx512m, so an -Xmx among them wins.
   */
  public static NodeProcess start(
      String name, Config overrides, int httpPort, Duration readyWithin, List<String> jvmArgs)
      throws IOException {
    return start(
        name, overrides, httpPort, readyWithin, jvmArgs, System.getProperty("java.class.path"));
  }

  /**
   * As above, the node's code from {@code classpath}: the benchmark runs another build of
   * Statehouse (an earlier commit's) this way.
   */
  public static NodeProcess start(
      String name,
      Config overrides,
      int httpPort,
      Duration readyWithin,
      List<String> jvmArgs,
      String classpath)
      throws IOException {
    Path dir = Path.of("target", "it-nodes").toAbsolutePath();
    Files.createDirectories(dir);
    Path conf = dir.resolve(name + ".conf");
    Files.writeString(
        conf,
        "include classpath(\"application.conf\")\n"
            + overrides.root().render(ConfigRenderOptions.concise().setJson(false)));
    Path log = dir.resolve(name + "-" + System.currentTimeMillis() + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                command(
                    java, jvmArgs, "-cp", classpath, "-Dconfig.file=" + conf, Main.class.getName()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    NodeProcess node = new NodeProcess(process, log);
    Api api = new Api("127.0.0.1", httpPort);
    try {
      Eventually.await(
          readyWithin,
          "node " + name + " ready (log " + log + ")",
          () -> {
            if (!process.isAlive()) {
              throw new AssertionError(
                  "node " + name + " exited with " + process.exitValue() + "; log " + log);
            }
            try {
              return api.get("/health/ready", null).status() == 200;
            } catch (IllegalStateException notListening) {
              return false;
            }
          });
    } catch (AssertionError e) {
      node.kill();
      throw e;
    }
    return node;
  }

  private static List<String> command(String java, List<String> jvmArgs, String... rest) {
    List<String> all = new java.util.ArrayList<>();
    all.add(java);
    all.add("-Xmx512m");
    all.addAll(jvmArgs);
    all.addAll(List.of(rest));
    return all;
  }

  /** SIGKILL: no shutdown hook, no handoff, nothing flushed. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public long pid() {
    return process.pid();
  }

  public File log() {
    return log.toFile();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          kill();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
      }
    }
  }
}
