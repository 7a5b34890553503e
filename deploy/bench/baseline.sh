#!/usr/bin/env bash
# Builds another commit of Statehouse beside this clone, for the benchmark to run in the same run as
# this build (docs/benchmarks.md, "isolated=only"): prints the file holding that build's classpath.
#
#   deploy/bench/baseline.sh <commit> [dir]
#   ./mvnw -B -Pbench -DskipTests verify -pl api -am \
#     -Dbench.args="isolated=only baseline=$(deploy/bench/baseline.sh d5764a7)"
#
# The commit is checked out as a detached git worktree in dir (default target/bench-baseline-<commit>,
# reused if it is there) and packaged without its tests; nothing is installed into ~/.m2. When
# deploy/bench/baseline-<commit>.patch exists it is applied first: issue 11's baseline (the code
# before its work, which landed in one commit with other work) is d5764a7 with that patch.
set -euo pipefail
rev=${1:?usage: deploy/bench/baseline.sh <commit> [dir]}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${2:-$root/target/bench-baseline-$rev}
if [ ! -d "$dir" ]; then
  git -C "$root" worktree add --detach "$dir" "$rev" >&2
  if [ -f "$root/deploy/bench/baseline-$rev.patch" ]; then
    git -C "$dir" apply "$root/deploy/bench/baseline-$rev.patch"
  fi
fi
cp_file="$dir/target/node.classpath"
if [ ! -s "$cp_file" ]; then
  mkdir -p "$dir/target"
  (cd "$dir" && ./mvnw -B -q -DskipTests -Dspotless.check.skip=true package dependency:build-classpath \
      -pl api -am -Dmdep.includeScope=runtime -Dmdep.outputFile="$dir/target/deps.classpath" >&2)
  echo "$dir/api/target/classes:$(cat "$dir/target/deps.classpath")" > "$cp_file"
fi
echo "$cp_file"
