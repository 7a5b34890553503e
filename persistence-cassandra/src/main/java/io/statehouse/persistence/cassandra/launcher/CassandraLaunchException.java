package io.statehouse.persistence.cassandra.launcher;

/** Cassandra could not be started, adopted or stopped; the message says why and what to change. */
public final class CassandraLaunchException extends RuntimeException {

  public CassandraLaunchException(String message) {
    super(message);
  }

  public CassandraLaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
