#!/usr/bin/env bash
# deploy/grafana/dfsnode.json is valid JSON, and every dfs_* metric it queries is one that the
# source registers (so a renamed metric cannot leave an empty panel behind).
set -euo pipefail
root="${1:?usage: grafana_dashboard_test.sh SOURCE_DIR}"
dash="$root/deploy/grafana/dfsnode.json"
python3 -m json.tool "$dash" > /dev/null || { echo "not valid JSON: $dash" >&2; exit 1; }
missing=0
for name in $(grep -o 'dfs_[a-z_]*' "$dash" | sed -E 's/_(bucket|sum|count)$//' | sort -u); do
  if ! grep -rq "\"$name\"" "$root/src"; then
    echo "dashboard queries $name, which no source file registers" >&2
    missing=1
  fi
done
(( missing == 0 )) || exit 1
echo "grafana dashboard: valid JSON, every metric registered"
