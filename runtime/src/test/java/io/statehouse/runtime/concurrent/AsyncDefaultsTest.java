package io.statehouse.runtime.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AsyncDefaultsTest {
  /** Run in a child JVM: prints whether default async steps run in a pool. */
  public static final class Probe {
    public static void main(String[] args) {
      if (args.length > 0 && args[0].equals("use-common-pool")) {
        AsyncDefaults.useCommonPool();
      }
      System.out.print(AsyncDefaults.pooled());
    }
  }

  private static String probe(String... args) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                java.toString(),
                // a two-core machine, as CI's and the benchmark's
                "-XX:ActiveProcessorCount=2",
                "-cp",
                System.getProperty("java.class.path"),
                Probe.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("the probe JVM did not end");
    }
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
  }

  @Test
  void onTwoCoresAsyncStepsStartAThreadEachUnlessTheCommonPoolIsSetFirst() throws Exception {
    assertEquals("false", probe(), "the JDK's default on two cores: a new thread per step");
    assertEquals("true", probe("use-common-pool"));
  }
}
