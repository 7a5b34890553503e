#!/usr/bin/env bash
# The one-command dev run: build everything, then start a real Cassandra 5 (a child JVM, data in
# ./var), one Statehouse node (a cluster of one) and the HTTP API on :8080 with demo tools, agents
# and keys. Ctrl-C stops the node and the Cassandra it started. Run it again after any kind of stop,
# even kill -9: a Cassandra left running is reused, a crashed one is restarted from its commit log.
#
#   deploy/dev.sh                    build and run
#   STATEHOUSE_SKIP_BUILD=1 deploy/dev.sh   run the last build
#
# Environment: STATEHOUSE_HTTP_PORT (8080), STATEHOUSE_CASSANDRA_CQL_PORT (9042),
# STATEHOUSE_CASSANDRA_DATA_DIR (var/cassandra), JAVA_HOME (a JDK 17), STATEHOUSE_JAVA_OPTS.
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! "$JAVA" -version 2>&1 | grep -q 'version "17'; then
  echo "Statehouse needs a JDK 17 (Cassandra 5.0 does not run on newer ones); set JAVA_HOME" >&2
  exit 1
fi

if [ -z "${STATEHOUSE_SKIP_BUILD:-}" ]; then
  echo "Building (the first build downloads dependencies from Maven Central)..."
  ./mvnw -B -q -DskipTests package
fi

mkdir -p var
# Exit code 75: the node could not recover from a journal outage in place and asks to be started
# afresh (docs/operations.md, "When Cassandra goes away"). Anything else ends the dev run.
while true; do
  status=0
  "$JAVA" ${STATEHOUSE_JAVA_OPTS:-} -Dconfig.resource=dev.conf -jar api/target/statehouse-api.jar || status=$?
  if [ "$status" -ne 75 ]; then
    exit "$status"
  fi
  echo "The node left the cluster after a journal outage it could not recover from in place; starting it again" >&2
done
