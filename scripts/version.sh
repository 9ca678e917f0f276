#!/usr/bin/env bash
# Print aihat's version in Debian version syntax, from git tags v0.N.M:
#   on a tag v0.3.1                 -> 0.3.1
#   5 commits after v0.3.1 (abc123) -> 0.3.1+git5.gabc123
#   no tag yet                      -> 0.0.0+gabc123
#   uncommitted changes             -> ...+dirty appended (".dirty" after a "+")
set -euo pipefail
cd "$(dirname "$0")/.."
if d="$(git describe --tags --match 'v[0-9]*.[0-9]*.[0-9]*' --dirty 2>/dev/null)"; then
  v="${d#v}"
  dirty=""
  case "$v" in *-dirty) dirty=1; v="${v%-dirty}" ;; esac
  if [[ "$v" =~ ^([0-9]+\.[0-9]+\.[0-9]+)-([0-9]+)-g([0-9a-f]+)$ ]]; then
    v="${BASH_REMATCH[1]}+git${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}"
  fi
else
  v="0.0.0+g$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  dirty=""
  [ -n "$(git status --porcelain 2>/dev/null)" ] && dirty=1
fi
if [ -n "$dirty" ]; then
  case "$v" in *+*) v="$v.dirty" ;; *) v="$v+dirty" ;; esac
fi
echo "$v"
