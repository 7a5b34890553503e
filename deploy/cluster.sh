#!/usr/bin/env bash
# A local cluster: one Cassandra (a child JVM, data in var/cluster/cassandra), the demo tools in a
# process of their own, and three Statehouse nodes on loopback with their own remoting, HTTP and
# management ports, the dev run's demo keys, agents and teams. Any node serves any session.
#
#   deploy/cluster.sh                 build, start everything, wait; Ctrl-C stops it all cleanly
#   deploy/cluster.sh start           build and start in the background, then return
#   deploy/cluster.sh stop            stop the nodes (SIGTERM: each hands its shards off), then the
#                                     tools and Cassandra
#   deploy/cluster.sh status          who runs, and the cluster's members as node 1 sees them
#   deploy/cluster.sh kill N          SIGKILL node N (1-3): the others down it and take its sessions
#   deploy/cluster.sh restart N       start node N again (after kill or stop) and wait until ready
#   STATEHOUSE_SKIP_BUILD=1 ...       use the last build
#
# Node N (1-3) serves the API on 127.0.0.1:808(N-1), remoting on 2552(N-1), management (membership,
# health, metrics) on 762(5+N). Cassandra's CQL port is STATEHOUSE_CASSANDRA_CQL_PORT (9142) so it
# never meets the dev run's. Logs: var/cluster/*.log. Environment: JAVA_HOME (a JDK 17),
# STATEHOUSE_JAVA_OPTS (each node's JVM flags, default -Xmx512m).
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
DIR=var/cluster
CQL_PORT="${STATEHOUSE_CASSANDRA_CQL_PORT:-9142}"
STORAGE_PORT="${STATEHOUSE_CASSANDRA_STORAGE_PORT:-7100}"
TOOLS_PORT="${STATEHOUSE_DEMO_TOOLS_PORT:-8090}"
JAR=api/target/statehouse-api.jar
SEEDS=(-Dpekko.cluster.seed-nodes.0=pekko://statehouse@127.0.0.1:25520
       -Dpekko.cluster.seed-nodes.1=pekko://statehouse@127.0.0.1:25521)

http_port() { echo $((8079 + $1)); }
mgmt_port() { echo $((7625 + $1)); }

alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

wait_for() { # name url seconds
  local i
  for ((i = 0; i < $3 * 2; i++)); do
    if curl -fs -o /dev/null "$2"; then return 0; fi
    if ! alive "$1"; then echo "$1 exited; see $DIR/$1.log" >&2; return 1; fi
    sleep 0.5
  done
  echo "$1 not ready after $3 s; see $DIR/$1.log" >&2
  return 1
}

build() {
  if ! "$JAVA" -version 2>&1 | grep -q 'version "17'; then
    echo "Statehouse needs a JDK 17 (Cassandra 5.0 does not run on newer ones); set JAVA_HOME" >&2
    exit 1
  fi
  if [ -z "${STATEHOUSE_SKIP_BUILD:-}" ]; then
    echo "Building..."
    ./mvnw -B -q -DskipTests package
  fi
  mkdir -p "$DIR"
}

start_cassandra() {
  if alive cassandra; then return 0; fi
  echo "Starting Cassandra on 127.0.0.1:$CQL_PORT (data in $DIR/cassandra)..."
  # setsid: Ctrl-C at this terminal reaches the script, which stops Cassandra last
  setsid "$JAVA" -cp "$JAR" io.statehouse.persistence.cassandra.launcher.LauncherMain \
    --data-dir="$DIR/cassandra" --cql-port="$CQL_PORT" --storage-port="$STORAGE_PORT" \
    --stop-with-parent=false >"$DIR/cassandra.log" 2>&1 &
  echo $! >"$DIR/cassandra.pid"
  local i
  for ((i = 0; i < 240; i++)); do
    if grep -q "Ctrl-C stops it" "$DIR/cassandra.log"; then return 0; fi
    if ! alive cassandra; then echo "Cassandra did not start; see $DIR/cassandra.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "Cassandra not up after 120 s; see $DIR/cassandra.log" >&2
  exit 1
}

start_tools() {
  if alive tools; then return 0; fi
  setsid "$JAVA" -Xmx128m -cp "$JAR" io.statehouse.api.demo.DemoToolServer "$TOOLS_PORT" \
    >"$DIR/tools.log" 2>&1 &
  echo $! >"$DIR/tools.pid"
}

start_node() { # N
  local n=$1
  if alive "node$n"; then return 0; fi
  # setsid: the node gets SIGTERM from this script, never a terminal's SIGINT
  STATEHOUSE_HTTP_PORT="$(http_port "$n")" \
  STATEHOUSE_CLUSTER_PORT=$((25519 + n)) \
  STATEHOUSE_MANAGEMENT_PORT="$(mgmt_port "$n")" \
  STATEHOUSE_DEMO_TOOLS_URL="http://127.0.0.1:$TOOLS_PORT" \
    setsid "$JAVA" ${STATEHOUSE_JAVA_OPTS:--Xmx512m} -Dconfig.resource=local-cluster.conf \
    "${SEEDS[@]}" -Dstatehouse.cassandra.contact-points.0="127.0.0.1:$CQL_PORT" \
    -jar "$JAR" >"$DIR/node$n.log" 2>&1 &
  echo $! >"$DIR/node$n.pid"
}

start_all() {
  build
  start_cassandra
  start_tools
  # node 1 first: it forms the cluster and generates the dev keys (var/) the others then read
  start_node 1
  wait_for node1 "http://127.0.0.1:$(http_port 1)/health/ready" 180
  start_node 2
  start_node 3
  wait_for node2 "http://127.0.0.1:$(http_port 2)/health/ready" 180
  wait_for node3 "http://127.0.0.1:$(http_port 3)/health/ready" 180
  cat <<MSG

  A Statehouse cluster of three is ready (logs in $DIR)
    node 1  API http://127.0.0.1:$(http_port 1)/v1   management http://127.0.0.1:$(mgmt_port 1)/cluster/members
    node 2  API http://127.0.0.1:$(http_port 2)/v1   management http://127.0.0.1:$(mgmt_port 2)/cluster/members
    node 3  API http://127.0.0.1:$(http_port 3)/v1   management http://127.0.0.1:$(mgmt_port 3)/cluster/members
    Cassandra 127.0.0.1:$CQL_PORT   demo tools http://127.0.0.1:$TOOLS_PORT/demo/tools/
    demo keys: sh-demo-acme-alice (developer), sh-demo-acme-bob (approver),
               sh-demo-acme-olivia (operator), sh-demo-globex-carol (developer)
MSG
}

stop_pid() { # name seconds
  alive "$1" || { rm -f "$DIR/$1.pid"; return 0; }
  local pid i
  pid="$(cat "$DIR/$1.pid")"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < $2 * 2; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$DIR/$1.pid"; return 0; }
    sleep 0.5
  done
  echo "$1 (pid $pid) did not stop in $2 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$DIR/$1.pid"
}

stop_all() {
  # one node at a time, so each hands its shards to members that stay
  for n in 3 2 1; do stop_pid "node$n" 60; done
  stop_pid tools 10
  stop_pid cassandra 60
  echo "Cluster stopped"
}

status() {
  for p in cassandra tools node1 node2 node3; do
    if alive "$p"; then echo "$p running (pid $(cat "$DIR/$p.pid"))"; else echo "$p stopped"; fi
  done
  for n in 1 2 3; do
    if alive "node$n"; then
      curl -fs "http://127.0.0.1:$(mgmt_port "$n")/cluster/members" && echo && return 0
    fi
  done
}

case "${1:-run}" in
  run)
    trap 'echo; stop_all; exit 0' INT TERM
    start_all
    echo "  Ctrl-C stops the cluster"
    while true; do sleep 1; done
    ;;
  start) start_all ;;
  stop) stop_all ;;
  status) status ;;
  kill)
    [[ "${2:-}" =~ ^[123]$ ]] || { echo "usage: $0 kill 1|2|3" >&2; exit 2; }
    alive "node$2" || { echo "node$2 is not running" >&2; exit 1; }
    kill -KILL "$(cat "$DIR/node$2.pid")"
    rm -f "$DIR/node$2.pid"
    echo "node$2 killed"
    ;;
  restart)
    [[ "${2:-}" =~ ^[123]$ ]] || { echo "usage: $0 restart 1|2|3" >&2; exit 2; }
    STATEHOUSE_SKIP_BUILD=1 build
    start_node "$2"
    wait_for "node$2" "http://127.0.0.1:$(http_port "$2")/health/ready" 180
    echo "node$2 ready"
    ;;
  *) echo "usage: $0 [run|start|stop|status|kill N|restart N]" >&2; exit 2 ;;
esac
