#!/usr/bin/env bash
# src/core holds pure protocol logic: no CAF, Asio, spdlog, threads, clocks or files.
set -euo pipefail
root="${1:?usage: core_purity.sh SOURCE_DIR}"
bad=$(grep -rnE '#include <(caf/|boost/|spdlog/|thread>|mutex>|fstream>|filesystem>)' "$root/src/core" || true)
bad+=$(grep -rnE '(system_clock|steady_clock)::now\(\)|std::random_device|[^_]rand\(\)' "$root/src/core" \
  | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true)
if [[ -n "$bad" ]]; then
  echo "src/core must stay pure (style.md #3); found:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "src/core is pure: 1 passed, 0 failed"
