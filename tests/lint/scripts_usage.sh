#!/usr/bin/env bash
# Bad input to the hand-run scripts gets one clear error and a non-zero exit, never a traceback
# or a half-started run. Starts nothing: every case fails before building or touching a cluster.
set -uo pipefail
repo="${1:?usage: scripts_usage.sh REPO}"
fails=0
# expect CODE PATTERN CMD...: CMD exits CODE and its output matches PATTERN, with no traceback.
expect() {
  local code="$1" pattern="$2"
  shift 2
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $code ]] || ! grep -qE "$pattern" <<<"$out" || grep -q Traceback <<<"$out"; then
    echo "FAIL: $* -> exit $rc (want $code, output matching '$pattern'):"
    echo "$out"
    fails=$((fails + 1))
  fi
}
none="$(mktemp -d)/no-cluster"
trap 'rm -rf "$(dirname "$none")"' EXIT
expect 0 "usage: scripts/chaos" "$repo/scripts/chaos" --help
expect 2 "invalid choice: 'bogus'" "$repo/scripts/chaos" bogus
expect 1 "^chaos: error: no cluster in $none" env DFS_CLUSTER_DIR="$none" "$repo/scripts/chaos" files
expect 2 "^scripts/bench: error: no benchmark 'bogus'" "$repo/scripts/bench" bogus
expect 2 "^scripts/bench: error: no benchmark 'shared'" "$repo/scripts/bench" shared
expect 2 "NAME one of: etcd ftqueue master membership smallfiles storage vs-etcd$" "$repo/scripts/bench"
expect 2 "^usage: scripts/cluster" env DFS_CLUSTER_DIR="$none" "$repo/scripts/cluster" bogus
[[ $fails -eq 0 ]] && echo "scripts reject bad input clearly"
exit $((fails > 0))
