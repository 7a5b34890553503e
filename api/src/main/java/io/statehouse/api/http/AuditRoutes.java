package io.statehouse.api.http;

import io.statehouse.api.audit.AuditExport;
import io.statehouse.api.audit.ExportFormat;
import io.statehouse.api.dto.Views;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.audit.ChainVerification;
import io.statehouse.runtime.audit.HeadSigner;
import io.statehouse.runtime.journal.JournalHealth;
import io.statehouse.runtime.journal.JournalStatus;
import io.statehouse.runtime.policy.guardrail.GuardrailSettings;
import io.statehouse.runtime.session.GuardrailCache;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionId;
import java.io.NotSerializableException;
import java.time.Clock;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code /v1/sessions/{id}/audit/verify} and {@code …/audit/export}: the session's hash chain
 * recomputed from the journal, MACs included (docs/governance.md, "Audit"). Both read the journal
 * in one pass without holding it in memory; the export streams it as JSON lines, redacted by the
 * pinned agent's {@code export} guardrails, and ends with a head the node signs with its ES256 key,
 * valid or not. For the session's owner (named by its first event), an operator or an auditor of
 * its tenant.
 */
final class AuditRoutes extends RouteSupport {
  private static final ContentType NDJSON =
      ContentTypes.create(
          MediaTypes.applicationWithFixedCharset(
              ExportFormat.MEDIA_TYPE.substring("application/".length()), HttpCharsets.UTF_8));

  private final CurrentEventsByPersistenceIdQuery events;
  private final ActorSystem<?> system;
  private final HeadSigner signer;
  private final Clock clock;
  private final GuardrailCache guardrails;

  AuditRoutes(
      RouteSupport base,
      CurrentEventsByPersistenceIdQuery events,
      ActorSystem<?> system,
      HeadSigner signer,
      Clock clock) {
    super(base);
    this.events = events;
    this.system = system;
    this.signer = signer;
    this.clock = clock;
    this.guardrails = new GuardrailCache(GuardrailSettings.fromConfig(system.settings().config()));
  }

  /** The audit routes of session {@code id}, under {@code /v1/sessions/{id}}. */
  Route routes(Principal p, SessionId id) {
    return pathPrefix(
        "audit",
        () ->
            concat(
                path("verify", () -> get(() -> verify(p, id))),
                path("export", () -> get(() -> export(p, id)))));
  }

  /**
   * The journal's first event, when it opens the session, after checking that {@code p} may audit
   * it. Read from the journal, not asked of the session: a session whose journal is damaged may not
   * run at all, and auditing it is exactly what is needed then. When the first event cannot be read
   * the owner is unknown, and only an auditor may look.
   */
  private CompletionStage<SessionCreated> authorised(Principal p, SessionId id) {
    if (journal.status() instanceof JournalStatus.Unavailable lost) {
      throw ApiError.from(JournalHealth.rejection(lost));
    }
    return events
        .currentEventsByPersistenceId(id.persistenceId().id(), 1, 1)
        .runWith(Sink.headOption(), system)
        .handle(
            (first, error) -> {
              if (error != null && !unreadableEvent(error)) {
                throw new CompletionException(error);
              }
              return first != null
                      && first.isPresent()
                      && first.get().event() instanceof SessionCreated created
                  ? created
                  : null;
            })
        .thenApply(
            created -> {
              Access.requireAudit(p, created == null ? null : created.owner(), id.id());
              return created;
            });
  }

  /**
   * Recomputes the whole chain: valid, or the first missing sequence number and the first event
   * that cannot be vouched for (a broken link, a MAC that fails, …) with the reason.
   */
  private Route verify(Principal p, SessionId id) {
    CompletionStage<HttpResponse> result =
        authorised(p, id)
            .thenCompose(
                opening -> {
                  ChainVerification chain = new ChainVerification();
                  return events
                      .currentEventsByPersistenceId(id.persistenceId().id(), 1, Long.MAX_VALUE)
                      .runForeach(
                          env -> chain.accept(id, env.sequenceNr(), (SessionEvent) env.event()),
                          system)
                      .handle(
                          (done, error) -> {
                            if (error != null) {
                              if (!unreadableEvent(error)) {
                                throw new CompletionException(error);
                              }
                              chain.unreadable();
                            }
                            return chain.result();
                          });
                })
            .thenApply(r -> ApiJson.response(StatusCodes.OK, Views.verification(r)));
    return respond(result);
  }

  /**
   * Streams the export: a header, one line per event as stored, and the signed head. The state of
   * the export (its running verification) is created per materialization of the body.
   */
  private Route export(Principal p, SessionId id) {
    CompletionStage<HttpResponse> result =
        authorised(p, id)
            .thenApply(
                opening -> {
                  Source<ByteString, NotUsed> body =
                      Source.lazySource(() -> lines(id, opening))
                          .mapMaterializedValue(m -> NotUsed.notUsed());
                  return HttpResponse.create()
                      .withStatus(StatusCodes.OK)
                      .withEntity(HttpEntities.create(NDJSON, body));
                });
    return respond(result);
  }

  /**
   * The export's lines. Redaction follows the agent pinned in the journal's first event, the one
   * the session ran with; when that event cannot be read (only an auditor may export then) there
   * are no rules to apply and payloads are as stored.
   */
  private Source<ByteString, NotUsed> lines(SessionId id, SessionCreated opening) {
    AuditExport export =
        new AuditExport(
            id, clock.instant(), guardrails.of(opening == null ? null : opening.agent()));
    Source<String, NotUsed> eventLines =
        events
            .currentEventsByPersistenceId(id.persistenceId().id(), 1, Long.MAX_VALUE)
            .map(env -> export.event(env.sequenceNr(), (SessionEvent) env.event()))
            .mapMaterializedValue(m -> NotUsed.notUsed())
            .recoverWithRetries(
                1,
                new PFBuilder<Throwable, Graph<SourceShape<String>, NotUsed>>()
                    .match(
                        Throwable.class,
                        AuditRoutes::unreadableEvent,
                        e -> {
                          // the head says where the journal stopped being readable, signed
                          export.unreadable();
                          return Source.empty();
                        })
                    .build());
    // concatLazy: plain concat pulls the head's element before the events have passed
    return Source.single(export.header(opening))
        .concatLazy(eventLines)
        .concatLazy(Source.lazySingle(() -> export.head(signer)))
        .map(line -> ByteString.fromString(line + "\n"));
  }

  /**
   * Whether reading the journal failed on an event's stored bytes (they are not an event), rather
   * than on the journal itself (Cassandra), which is answered as an error, not as a finding.
   */
  private static boolean unreadableEvent(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof NotSerializableException
          || e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
        return true;
      }
    }
    return false;
  }
}
