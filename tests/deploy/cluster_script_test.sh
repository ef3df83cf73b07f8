#!/usr/bin/env bash
# scripts/cluster end to end: `up --fileservers 0` (a cluster without the queue
# service) starts, every node answers, a file goes in and comes back byte-exact, and `down`
# stops exactly the processes `up` started. Usage: cluster_script_test.sh DFSNODE_BINARY
set -euo pipefail
bin=$(realpath "${1:?usage: cluster_script_test.sh DFSNODE_BINARY}")
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work=$(mktemp -d /tmp/dfs-cluster-script.XXXXXX)
export DFS_CLUSTER_DIR="$work/cluster" DFS_BIN="$bin"
cleanup() { "$repo/scripts/cluster" down > /dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$repo/scripts/cluster" up --fileservers 0 || fail "up --fileservers 0"
status=$("$repo/scripts/cluster" status)
echo "$status"
[[ $(grep -c ' running$' <<< "$status") -eq 5 ]] || fail "introducer, master and 3 chunkservers should run"
grep -q fileserver <<< "$status" && fail "a fileserver was started"

client() { "$bin" --role client --config "$DFS_CLUSTER_DIR/client.toml" "$@"; }
head -c 300000 /dev/urandom > "$work/in"
client put "$work/in" /f || fail "put"
client get /f "$work/out" || fail "get"
cmp "$work/in" "$work/out" || fail "the file came back different"

pids=$(cat "$DFS_CLUSTER_DIR"/*/pid)
"$repo/scripts/cluster" down
for p in $pids; do
  # A zombie (its parent, the shell of `up`, is gone and PID 1 may not reap) has no cmdline.
  cmd=$(tr -d '\0' < "/proc/$p/cmdline" 2> /dev/null || true)
  [[ -z $cmd ]] || fail "pid $p still runs after down: $cmd"
done
echo "PASS"
