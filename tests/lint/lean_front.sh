#!/usr/bin/env bash
# The lean front (src/main.cpp) stays lean: a one-shot storage command must not load CAF (its
# messages are written by proto/plain_wire.hpp there), the shared OpenSSL (linked statically),
# the metrics or line-editing libraries, nor the shared libstdc++, spdlog, fmt or toml++ (linked
# statically: src/static_deps/README.md). Issue 17: their symbol relocations were most of a
# command's start. A call from
# the front's objects into any of them would bring it back; this names which.
set -euo pipefail
front="${1:?usage: lean_front.sh PATH/TO/dfsnode}"
full="$(dirname "$front")/dfsnode-full"
[[ -x $full ]] || { echo "no dfsnode-full beside $front: the front hands most commands to it"; exit 1; }
needed=$(readelf -d "$front" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
bad=$(grep -E '^lib(caf_core|caf_io|caf_openssl|ssl|crypto|prometheus|edit|stdc\+\+|spdlog|fmt|tomlplusplus)' <<<"$needed" || true)
if [[ -n $bad ]]; then
  echo "dfsnode (the lean front) loads what it must not:"
  echo "$bad"
  exit 1
fi
echo "lean front loads: $(tr '\n' ' ' <<<"$needed")"
