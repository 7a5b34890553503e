package io.statehouse.runtime.testing;

import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionStatus;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link SessionDirectory} that keeps what sessions record, for behaviour tests. */
public final class RecordingDirectory implements SessionDirectory {
  /** One record call. */
  public record Recorded(SessionId id, Entry entry, long sequenceNr) {}

  private final List<Recorded> records = new CopyOnWriteArrayList<>();

  @Override
  public CompletionStage<List<Entry>> list(
      String tenant, Optional<SessionStatus> status, int limit, Optional<String> after) {
    return CompletableFuture.completedFuture(records.stream().map(Recorded::entry).toList());
  }

  @Override
  public void record(SessionId id, Entry entry, long sequenceNr) {
    records.add(new Recorded(id, entry, sequenceNr));
  }

  public List<Recorded> records() {
    return List.copyOf(records);
  }

  public List<SessionStatus> statuses() {
    return records.stream().map(r -> r.entry().status()).toList();
  }

  public Recorded last() {
    return records.get(records.size() - 1);
  }
}
