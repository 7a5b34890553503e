package io.statehouse.persistence.cassandra.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.CqlSessionProvider;
import org.apache.pekko.stream.connectors.cassandra.DefaultSessionProvider;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * The journal plugin's session provider ({@code pekko.persistence.cassandra.session-provider}): the
 * connectors' default session, wrapped in a {@link CoalescingCqlSession} so that journal writes of
 * many sessions share requests ({@code statehouse.journal.coalesce}).
 */
public final class CoalescingSessionProvider implements CqlSessionProvider {

  private final DefaultSessionProvider driverSessions;
  private final JournalWriteCoalescer.Settings settings;
  private final String writeProfile;
  private final String journalTable;

  /**
   * Called by the connectors' session registry.
   *
   * @param config the plugin's section ({@code pekko.persistence.cassandra})
   */
  public CoalescingSessionProvider(ActorSystem system, Config config) {
    this.driverSessions = new DefaultSessionProvider(system, config);
    this.settings = JournalWriteCoalescer.Settings.fromConfig(system.settings().config());
    this.writeProfile = config.getString("write-profile");
    this.journalTable =
        config.getString("journal.keyspace") + "." + config.getString("journal.table");
  }

  @Override
  public Future<CqlSession> connect(ExecutionContext ec) {
    return FutureConverters.asScala(
        FutureConverters.asJava(driverSessions.connect(ec))
            .<CqlSession>thenApply(
                driver ->
                    new CoalescingCqlSession(
                        driver,
                        new JournalWriteCoalescer(driver, settings, writeProfile, journalTable))));
  }
}
