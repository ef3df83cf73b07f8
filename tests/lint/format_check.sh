#!/usr/bin/env bash
# Every C++ file is formatted with the repository's .clang-format.
set -euo pipefail
root="${1:?usage: format_check.sh SOURCE_DIR}"
cd "$root"
mapfile -t files < <(find src tests bench -name '*.cpp' -o -name '*.hpp' | sort)
if ! out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
  echo "$out" | grep -E '^[^ ].*(warning|error)' | sed 's/: warning.*//' | sort -u >&2
  echo "not formatted: run clang-format -i on the files above" >&2
  exit 1
fi
echo "clang-format: ${#files[@]} passed, 0 failed"
