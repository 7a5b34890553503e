package io.statehouse.persistence.cassandra.launcher;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one Cassandra in the foreground until Ctrl-C, for local cluster scripts and manual work.
 *
 * <p>Settings come from {@value CassandraSettings#CONFIG_PATH} (reference.conf, application.conf,
 * -D and STATEHOUSE_CASSANDRA_* env vars); arguments of the form {@code --key=value} override keys
 * of that block, e.g. {@code --cql-port=9043 --data-dir=var/cassandra-2}. The {@code enabled} flag
 * is ignored: running this class means "start it".
 */
public final class LauncherMain {

  private LauncherMain() {}

  public static void main(String[] args) {
    CassandraSettings settings = CassandraSettings.fromConfig(config(args));
    RunningCassandra cassandra = CassandraLauncher.start(settings);
    System.out.println(
        (cassandra.adopted() ? "Adopted " : "Started ") + cassandra + "; Ctrl-C stops it");
    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopping.set(true);
                  cassandra.stop();
                },
                "statehouse-cassandra-stop"));
    cassandra.onExit().join();
    if (!stopping.get()) {
      System.err.println(
          "Cassandra pid "
              + cassandra.pid()
              + " exited by itself; see "
              + cassandra.baseDir()
              + "/logs");
      System.exit(1);
    }
  }

  static Config config(String[] args) {
    Map<String, String> overrides = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 3) {
        throw new IllegalArgumentException(
            "expected --key=value with a key of " + CassandraSettings.CONFIG_PATH + ", got " + arg);
      }
      overrides.put(
          CassandraSettings.CONFIG_PATH + "." + arg.substring(2, eq), arg.substring(eq + 1));
    }
    return ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.load()).resolve();
  }
}
