#!/usr/bin/env bash
# The layers of src/ (design.md §2) and what each may include. A layer includes only the
# project layers below it, and only the libraries its job needs:
#   common   <- core <- proto <- storage <- net <- actors <- client <- roles <- main.cpp
# core is pure protocol logic (style.md #3): no CAF, Asio, spdlog, threads, clocks or files.
# storage does file I/O without CAF or sockets; net does sockets without actors.
set -euo pipefail
root="${1:?usage: layers.sh SOURCE_DIR}"
cd "$root/src"

declare -A allowed=(
  [common]="common"
  [core]="common core"
  [proto]="common core proto"
  [storage]="common core proto storage"
  [net]="common core proto storage net"
  [actors]="common core proto storage net actors"
  [client]="common core proto storage net actors client"
  [roles]="common core proto storage net actors client roles"
)
declare -A forbidden_system=(
  [core]='caf/|boost/|spdlog/|thread>|mutex>|shared_mutex>|condition_variable>|fstream>|filesystem>|future>'
  [proto]='boost/|spdlog/|thread>|fstream>|filesystem>'
  [storage]='caf/|boost/asio|boost/beast'
  [net]='caf/io|caf/all.hpp|caf/typed_event_based_actor'
)

bad=""
for layer in "${!allowed[@]}"; do
  [[ -d $layer ]] || continue
  pattern=$(echo "${allowed[$layer]}" | sed 's/ /|/g')
  hits=$(grep -rnE '#include "[a-z_]+/' "$layer" | grep -vE "#include \"($pattern)/" || true)
  [[ -z $hits ]] || bad+="$layer may include only ${allowed[$layer]}:"$'\n'"$hits"$'\n'
  if [[ -n ${forbidden_system[$layer]:-} ]]; then
    hits=$(grep -rnE "#include <(${forbidden_system[$layer]})" "$layer" || true)
    [[ -z $hits ]] || bad+="$layer must not include these libraries:"$'\n'"$hits"$'\n'
  fi
done
# Pure core: no clock reads or global randomness (time and seeds are passed in).
hits=$(grep -rnE '(system_clock|steady_clock)::now\(\)|std::random_device|[^_]rand\(\)' core \
  | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true)
[[ -z $hits ]] || bad+="core must not read clocks or global randomness:"$'\n'"$hits"$'\n'

checked=$(echo "${!allowed[@]}" | wc -w)
if [[ -n $bad ]]; then
  echo "layering rules broken (tests/lint/layers.sh):" >&2
  echo "$bad" >&2
  echo "layers: 0 passed, 1 failed"
  exit 1
fi
echo "layers: $checked passed, 0 failed"
