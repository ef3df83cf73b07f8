#!/usr/bin/env bash
# The Ansible rollout installs dfs_runtime_packages on hosts that never built dfsnode
# (dfs_binary_source: local copies the binaries there). Every shared library the front or
# dfsnode-full loads must come from a listed package (or from one a listed package depends
# on, or libc6/libgcc-s1, which every Debian has): a missing one stops every node of a fresh
# host with "error while loading shared libraries". This names the package to add.
set -euo pipefail
front="${1:?usage: runtime_packages.sh PATH/TO/dfsnode DEFAULTS.yml}"
defaults="${2:?usage: runtime_packages.sh PATH/TO/dfsnode DEFAULTS.yml}"
full="$(dirname "$front")/dfsnode-full"
[[ -x $full ]] || { echo "no dfsnode-full beside $front"; exit 1; }
# The list under `dfs_runtime_packages:`, up to the next key.
listed=$(awk '/^dfs_runtime_packages:/{on=1; next} on && /^[^ #-]/{on=0} on && /^ *- /{print $2}' \
  "$defaults")
[[ -n $listed ]] || { echo "no dfs_runtime_packages list in $defaults"; exit 1; }
# What the listed packages pull in (one level: the direct dependencies of each; one apt-cache
# call, each takes seconds).
allowed=$(printf '%s\nlibc6\nlibgcc-s1\n' "$listed")
# shellcheck disable=SC2086
allowed+=$'\n'$(apt-cache depends --no-recommends --no-suggests $listed 2>/dev/null |
  sed -n 's/^ *\(Pre\)\{0,1\}Depends: \([^ <>]*\).*/\2/p' | sed 's/:any$//')
# Direct dependencies only (a library's own needs come with its package): lib, path, its
# target, binary.
rows=()
names=()
for bin in "$front" "$full"; do
  resolved=$(ldd "$bin")
  for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    # "libx.so.1 => /path (addr)", or "/lib64/ld-linux-x86-64.so.2 (addr)" for the loader.
    path=$(awk -v l="$lib" '$1 == l {print $3} $1 ~ ("/" l "$") {print $1}' <<<"$resolved")
    [[ -n $path ]] || { echo "$bin: $lib not found by ldd"; exit 1; }
    real=$(readlink -f "$path")
    rows+=("$lib $path $real $(basename "$bin")")
    # dpkg knows a file under the name its package ships (/lib or /usr/lib: merged /usr).
    names+=("$path" "$real" "${real#/usr}" "/usr$path")
  done
done
# One call for every name: each reads every package's file list.
owners=$(dpkg -S "${names[@]}" 2>/dev/null || true)  # "pkg[:arch]: /path" per known name
missing=()
for r in "${rows[@]}"; do
  read -r lib path real bin <<<"$r"
  pkg=$(awk -v a="$path" -v b="$real" -v c="${real#/usr}" -v d="/usr$path" \
    '$2 == a || $2 == b || $2 == c || $2 == d {sub(/:.*/, "", $1); print $1; exit}' <<<"$owners")
  [[ -n $pkg ]] || { echo "$bin: no Debian package owns $path ($lib)"; exit 1; }
  grep -qxF "$pkg" <<<"$allowed" || missing+=("$pkg ($lib, loaded by $bin)")
done
if ((${#missing[@]} > 0)); then
  echo "dfs_runtime_packages in $defaults lacks:"
  printf '  %s\n' "${missing[@]}" | sort -u
  exit 1
fi
echo "every shared library of dfsnode and dfsnode-full comes from dfs_runtime_packages"
