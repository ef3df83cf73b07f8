#!/usr/bin/env bash
# Runs one libFuzzer harness for SECONDS over a copy of its checked-in corpus (so the corpus
# grows only on purpose: scripts/fuzz --merge) and prints one summary line. Exit 1 on a
# finding (crash, failed FUZZ_CHECK, sanitizer report, leak, timeout, out of memory).
# Usage: run_fuzzer.sh NAME SECONDS BINARY CORPUS_DIR WORK_DIR [libFuzzer flags...]
set -uo pipefail
name=$1 seconds=$2 bin=$3 corpus=$4 work=$5
shift 5
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
if compgen -G "$corpus/*" > /dev/null; then cp "$corpus"/* "$work/corpus/"; fi
log="$work/fuzz.log"
# -timeout: one input taking 10 s is a finding (a hang on bad bytes), as is 2 GiB of memory.
"$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" < /dev/null > "$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
findings=$(find "$work/artifacts" -type f | wc -l)
echo "fuzz $name: ${execs:-?} executions in ${seconds}s (${rate:-?}/s), ${cov:-no coverage line}," \
  "findings: $findings"
if (( rc != 0 || findings > 0 )); then
  echo "FUZZ FINDING in $name (exit $rc); reproduce with: $bin ARTIFACT" >&2
  find "$work/artifacts" -type f -printf '  %p\n' >&2
  grep -E -A12 'ERROR:|FUZZ_CHECK|runtime error' "$log" | cut -c1-240 | head -40 >&2
  exit 1
fi
