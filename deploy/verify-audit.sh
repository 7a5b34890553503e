#!/usr/bin/env bash
# Verifies a session's audit export offline, with only the node's public keys
# (docs/governance.md, "Audit", "Verifying an export offline"). Reads export formats 1 and 2.
#
#   deploy/verify-audit.sh <export.jsonl | -> <jwks.json | https://node/.well-known/jwks.json>
#
# Prints who did what, event by event, then VALID or INVALID with the reasons. Events redacted by
# the agent's export guardrails are counted: their payloads are covered by the node's signature,
# not recomputable offline (docs/governance.md, "Redacted events").
# Exit status: 0 valid, 1 invalid, 2 usage error (bad arguments, unreadable file, keys not loadable).
# Runs the last build (api/target/statehouse-api.jar with its lib/); build it with
# `./mvnw -B -q -DskipTests package` first. Environment: JAVA_HOME (a JDK 17 or newer).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ "$#" -ne 2 ]; then
  echo "usage: $0 <export.jsonl | -> <jwks.json | https://node/.well-known/jwks.json>" >&2
  exit 2
fi

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAR="$root/api/target/statehouse-api.jar"
if [ ! -f "$JAR" ]; then
  echo "no build at $JAR: run ./mvnw -B -q -DskipTests package first" >&2
  exit 2
fi

# the jar's manifest puts api/target/lib/*.jar (Jackson, Nimbus JOSE) on the class path
exec "$JAVA" -cp "$JAR" io.statehouse.api.audit.VerifyAuditExport "$1" "$2"
