#!/usr/bin/env bash
# Kills `aihat bringup --target sim --report-dir D --report-dir-flat` with SIGKILL at N random
# points and checks after each kill that D holds one complete, schema-valid
# report set from a single run (or none yet) and that killed runs' work
# files do not pile up; after the last kill one clean run must leave no
# work files at all.
#
#   scripts/killtest.sh [N]      (default 200; CI runs a shorter version)
#
# Half the kill points are spread over a whole run, half over its last
# tenth, where the report set is written: uniform points alone would
# rarely land there.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/aihat" ./cmd/aihat
go build -o "$work/reportcheck" ./scripts/reportcheck
# The Ant schema plus testcase properties (pkg/report/testdata).
xsd=pkg/report/testdata/JUnit-testcase-properties.xsd
d="$work/reports"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"

# --report-dir-flat: one fixed set that each run replaces, the layout whose
# atomic publication this checks (station mode gives each run its own
# directory, checked by internal/cli TestStationKeepsEveryBoardsRecord).
run() { "$work/aihat" bringup --target sim --report-dir "$d" --report-dir-flat --serial "$1" >/dev/null 2>&1; }

# One run to warm the model cache and measure how long a run takes.
t0=$(date +%s%N)
run SN-warm || true
run_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "killtest: a bringup takes ${run_ms} ms; ${n} kills"

ids=""
for i in $(seq 1 "$n"); do
  if (( i % 2 )); then
    delay_ms=$(( RANDOM * run_ms / 32768 ))
  else
    delay_ms=$(( run_ms * 9 / 10 + RANDOM * (run_ms / 10 + 1) / 32768 ))
  fi
  "$work/aihat" bringup --target sim --report-dir "$d" --report-dir-flat --serial "SN-$i" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if ! id=$("$work/reportcheck" -xsd "$xsd" -max-leftovers 4 "$d"); then
    echo "killtest: FAIL after kill $i at ${delay_ms} ms" >&2
    ls -laR "$d" >&2
    exit 1
  fi
  ids="$ids $id"
done
run SN-final
"$work/reportcheck" -xsd "$xsd" -max-leftovers 0 "$d" >/dev/null
kept=$(tr ' ' '\n' <<<"$ids" | grep -c '^SN-[0-9]' || true)
echo "killtest: ${n} kills, the directory was consistent after each (${kept} times holding a set that a killed run had finished); a clean run left no work files"
echo "$n passed, 0 failed"
