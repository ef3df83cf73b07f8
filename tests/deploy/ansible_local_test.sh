#!/usr/bin/env bash
# End-to-end test of the Ansible rollout (deploy/ansible) on this machine, 127.0.0.1 only:
#   1. ansible-playbook --syntax-check on every playbook, ansible-lint (clean)
#   2. site.yml against inventories/local into a fresh temporary deploy root, on a free block
#      of 400 ports: introducer, 3 replicated masters, 3 chunkservers, 3 fileservers (PID-file
#      supervisor); the masters found their group once (master.bootstrap in no config)
#   3. health through the admin console: every node answers, one master is active and two are
#      standbys, the active master lists 3 healthy chunkservers
#   4. upgrade.yml with a new binary (the same program with bytes appended, so its checksum
#      differs): every node restarted one at a time, with a new incarnation, the standby masters
#      before the active one, which hands its role over first (another master is active after);
#      health again
#   5. teardown.yml, then no deployed process may be left
# A trap runs teardown.yml and then SIGKILLs only PIDs recorded by this deployment's PID files
# that still run a command line naming its deploy root.
#
#   tests/deploy/ansible_local_test.sh [DFSNODE_BINARY]     (default: build/dfsnode)
# DFS_KEEP_TEST_DIR=1 keeps the deploy root (logs) after the test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
ans="$repo/deploy/ansible"
bin="$(readlink -f "${1:-$repo/build/dfsnode}")"
[[ -x $bin ]] || { echo "ansible_local_test: no dfsnode binary at $bin" >&2; exit 2; }
for tool in ansible-playbook ansible-lint ss; do
  command -v "$tool" > /dev/null || { echo "ansible_local_test: $tool not installed (scripts/install-deps)" >&2; exit 2; }
done

root="$(mktemp -d "${TMPDIR:-/tmp}/dfs-ansible-test.XXXXXX")"
deploy="$root/deploy"
pids_seen="$root/pids"     # every PID the deployment's PID files ever named
touch "$pids_seen"
deployed=0
t0=$SECONDS

log() { printf '[%4ds] %s\n' $((SECONDS - t0)) "$*"; }
fail() { echo "ansible_local_test: FAIL: $*" >&2; exit 1; }

export ANSIBLE_CONFIG="$ans/ansible.cfg"
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0
export ANSIBLE_LOCAL_TEMP="$root/ansible-tmp" ANSIBLE_REMOTE_TEMP="$root/ansible-tmp"

# PIDs named by the deployment's PID files (supervisors and nodes), remembered for the trap.
record_pids() {
  local f
  for f in "$deploy"/run/*.pid; do
    [[ -f $f ]] && cat "$f" >> "$pids_seen"
  done
  return 0
}

# PIDs of $pids_seen that still run something of this deployment.
live_pids() {
  local pid c
  for pid in $(sort -un "$pids_seen"); do
    [[ -r /proc/$pid/cmdline ]] || continue
    c=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || continue
    if [[ $c == *"$deploy"* ]]; then echo "$pid"; fi
  done
}

cleanup() {
  local rc=$? pid left
  trap - EXIT INT TERM
  if (( deployed )); then
    record_pids
    log "cleanup: teardown.yml"
    ansible-playbook -i "$ans/inventories/local" "$ans/teardown.yml" "${xvars[@]}" \
      > "$root/teardown-cleanup.log" 2>&1 || echo "cleanup: teardown.yml failed (see $root/teardown-cleanup.log)" >&2
    left=$(live_pids)
    for pid in $left; do
      echo "cleanup: pid $pid of this deployment still runs; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    done
  fi
  if (( rc != 0 )); then
    echo "ansible_local_test: failed (exit $rc); deploy root: $root" >&2
    tail -n 40 "$root"/*.log 2>/dev/null >&2 || true
  fi
  if [[ ${DFS_KEEP_TEST_DIR:-0} == 1 || $rc -ne 0 ]]; then
    echo "ansible_local_test: kept $root" >&2
  else
    rm -rf "$root"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free block of 400 ports (TCP and UDP, any address): the local inventory uses base .. base+233.
block_free() {
  local base=$1 p
  for p in $(ss -Hltun 2>/dev/null | awk '{print $5}' | sed 's/.*://'); do
    if [[ $p =~ ^[0-9]+$ ]] && (( p >= base && p < base + 400 )); then return 1; fi
  done
  return 0
}
base=""
for b in $(seq 21000 1000 44000); do
  if block_free "$b"; then base=$b; break; fi
done
[[ -n $base ]] || fail "no free block of 400 ports between 21000 and 44400"
log "deploy root $deploy, ports $base..$((base + 233)), binary $bin"

xvars=(-e "dfs_root=$deploy" -e "dfs_base_port=$base")
play() {  # NAME PLAYBOOK [ARGS...]: run a playbook against the local inventory, log to $root/NAME.log
  local name=$1 book=$2 start=$SECONDS
  shift 2
  if ! ansible-playbook -i "$ans/inventories/local" "$ans/$book" "${xvars[@]}" "$@" > "$root/$name.log" 2>&1; then
    grep -E '^(fatal|failed):|FAILED!|ERROR' "$root/$name.log" | cut -c1-2000 >&2 || true
    fail "$book failed (log: $root/$name.log)"
  fi
  log "$book ok in $((SECONDS - start))s"
}

# The admin certificate the rollout installed (deploy/ansible: etc/admin.toml).
admin() { "$bin" --role admin --config "$deploy/etc/admin.toml" --set log.console=false --set client.timeout_ms=3000 --connect "$@"; }

introducer="127.0.0.1:$base"
masters=("127.0.0.1:$((base + 10))" "127.0.0.1:$((base + 20))" "127.0.0.1:$((base + 30))")
master_names=(master1 master2 master3)
chunkservers=("127.0.0.1:$((base + 110))" "127.0.0.1:$((base + 120))" "127.0.0.1:$((base + 130))")
fileservers=("127.0.0.1:$((base + 210))" "127.0.0.1:$((base + 220))" "127.0.0.1:$((base + 230))")
nodes=("$introducer" "${masters[@]}" "${chunkservers[@]}" "${fileservers[@]}")

# The master that says it is active (console `masters`), or nothing.
active_master() {
  local m
  for m in "${masters[@]}"; do
    if admin "$m" masters 2>/dev/null | grep -q "^this master $m: active"; then echo "$m"; return 0; fi
  done
}
name_of_master() {  # ADDRESS -> instance name
  local i
  for i in 0 1 2; do [[ ${masters[$i]} == "$1" ]] && echo "${master_names[$i]}"; done
  return 0
}

# Node id (host:port#incarnation) of every node, one "address id" line each; fails if one
# does not answer.
node_ids() {
  local a id
  for a in "${nodes[@]}"; do
    id=$(admin "$a" node 2>/dev/null | awk '$1 == "id" {print $2}') || true
    [[ $id == "$a#"* ]] || fail "node $a does not answer the admin console"
    echo "$a $id"
  done
}

# The master lists every chunkserver as healthy (the playbooks waited for it already).
check_chunkservers() {
  local table a master
  master=$(active_master)
  [[ -n $master ]] || fail "no master says it is active"
  table=$(admin "$master" chunkservers) || fail "the master $master does not answer 'chunkservers'"
  for a in "${chunkservers[@]}"; do
    grep -Eq "^$a#[0-9]+ .* healthy( |$)" <<< "$table" || { echo "$table" >&2; fail "chunkserver $a is not listed healthy by the master"; }
  done
  grep -q '^3 healthy, ' <<< "$table" || { echo "$table" >&2; fail "the master does not count 3 healthy chunkservers"; }
  echo "$table"
}

# 1. Static checks.
cd "$ans"
for book in site.yml upgrade.yml teardown.yml; do
  ansible-playbook -i inventories/local --syntax-check "$book" "${xvars[@]}" > "$root/syntax.log" 2>&1 \
    || { cat "$root/syntax.log" >&2; fail "syntax check of $book"; }
done
log "syntax check ok: site.yml upgrade.yml teardown.yml"
lint_version=$(ansible-lint --version 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g; s/\x1b\]8;[^\\]*\\//g')
if ! ansible-lint --offline --nocolor > "$root/lint.log" 2>&1; then
  cat "$root/lint.log" >&2
  fail "ansible-lint reports violations"
fi
log "ansible-lint clean ($lint_version)"

# 2. Roll out.
deployed=1
play site site.yml -e "dfs_binary_src=$bin"
record_pids
[[ -s $deploy/cluster.key ]] || fail "no cluster key was generated in $deploy"
grep -q "key = \"$(cat "$deploy/cluster.key")\"" "$deploy/etc/master1.toml" || fail "the cluster key is not in the configs"
masters_toml="masters = [\"${masters[0]}\", \"${masters[1]}\", \"${masters[2]}\"]"
for f in "$deploy"/etc/{introducer,master1,master2,master3,chunkserver1,fileserver1,client}.toml; do
  grep -qF "$masters_toml" "$f" || fail "$(basename "$f") does not list the three masters ($masters_toml)"
  grep -q '^replicas = 3$' "$f" || fail "$(basename "$f") does not set master.replicas = 3"
done
grep -l bootstrap "$deploy"/etc/*.toml && fail "master.bootstrap is in a config: a wiped master would found a new group"
[[ -s $deploy/masters.founded ]] || fail "site.yml did not record that the masters founded their group"
for n in "${master_names[@]}"; do
  [[ -e $deploy/data/$n/masters/hard ]] || fail "$n has no replicated log"
done

# 3. Health.
ids_before=$(node_ids)
check_chunkservers > "$root/chunkservers-before.txt"
active_before=$(active_master)
standbys=0
for m in "${masters[@]}"; do
  admin "$m" masters > "$root/masters-before-${m##*:}.txt" || fail "master $m does not answer 'masters'"
  grep -q "^active master $active_before\$" "$root/masters-before-${m##*:}.txt" || fail "master $m does not name $active_before as the active master"
  grep -q "^this master $m: standby" "$root/masters-before-${m##*:}.txt" && standbys=$((standbys + 1))
done
(( standbys == 2 )) || fail "expected 2 standby masters, got $standbys"
log "healthy: 10 nodes answer, active master $active_before ($(name_of_master "$active_before")), 2 standbys, 3 healthy chunkservers"

# 4. Rolling upgrade to a new binary.
# Both files: the front and dfsnode-full beside it (src/main.cpp).
v2="$root/dfsnode-v2"
for f in "" -full; do
  cp "$bin$f" "$v2$f"
  printf '\0dfsnode upgrade test %s\n' "$(date +%s%N)" >> "$v2$f"
done
play upgrade upgrade.yml -e "dfs_binary_src=$v2"
record_pids
for f in "" -full; do
  cmp -s "$v2$f" "$deploy/bin/dfsnode$f" || fail "the deployed dfsnode$f is not the new one"
done
ids_after=$(node_ids)
check_chunkservers > "$root/chunkservers-after.txt"
while read -r a old; do
  new=$(awk -v a="$a" '$1 == a {print $2}' <<< "$ids_after")
  [[ $new != "$old" ]] || fail "$a was not restarted by upgrade.yml (still $old)"
done <<< "$ids_before"
for f in "$deploy"/run/*.node.pid; do
  exe=$(readlink "/proc/$(cat "$f")/exe" 2>/dev/null || true)
  # A server role runs dfsnode-full, which the front execs (same PID).
  [[ $exe == "$deploy/bin/dfsnode-full" ]] || fail "$(basename "$f" .node.pid) runs '$exe', not the upgraded $deploy/bin/dfsnode-full"
done
stale=$("$deploy/bin/dfsnode-stamp" stale introducer master1 master2 master3 chunkserver1 chunkserver2 \
  chunkserver3 fileserver1 fileserver2 fileserver3)
[[ -z $stale ]] || fail "instances still run outdated files after upgrade.yml: $stale"
# The upgrade restarted nodes one at a time, the masters last: the standbys, then the active
# master after it handed its role over. Order of the restarts (and the handover) in the log.
old_active=$(name_of_master "$active_before")
want="chunkserver1 chunkserver2 chunkserver3 fileserver1 fileserver2 fileserver3 introducer "
for n in "${master_names[@]}"; do [[ $n == "$old_active" ]] || want+="$n "; done
want+="handover:$old_active $old_active "
order=$(grep -oE '^TASK \[dfsnode_service : (Restart the supervised [a-z0-9]+|Hand the active role to a standby: [a-z0-9]+)' "$root/upgrade.log" \
  | sed -E 's/.*Restart the supervised //; s/.*Hand the active role to a standby: /handover:/' | tr '\n' ' ')
[[ $order == "$want" ]] || fail "unexpected restart order: '$order' (expected '$want')"
active_after=$(active_master)
[[ -n $active_after && $active_after != "$active_before" ]] \
  || fail "the active master did not change (before $active_before, after '${active_after}')"
grep -E 'handed over: ' "$root/upgrade.log" | head -n 1 | sed 's/^ *//' > "$root/handover.txt" || true
[[ -s $root/handover.txt ]] || fail "no 'handed over' answer of 'masters handover' in the upgrade log"
log "upgraded: all 10 nodes have new incarnations, run the new binary; order: $order"
log "active master $active_before -> $active_after; $(cut -c1-200 "$root/handover.txt")"

# 5. Tear down.
play teardown teardown.yml
left=$(live_pids)
[[ -z $left ]] || fail "processes of the deployment still run after teardown.yml: $left"
ls "$deploy"/run/*.pid > /dev/null 2>&1 && fail "PID files left after teardown.yml: $(ls "$deploy"/run/*.pid)"
deployed=0
log "torn down: no deployed process left ($(sort -un "$pids_seen" | wc -l) PIDs checked)"
echo "ansible_local_test: PASS in $((SECONDS - t0))s"
