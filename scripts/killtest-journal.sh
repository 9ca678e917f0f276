#!/usr/bin/env bash
# Kills a long `aihat power rails --report-dir D` with SIGKILL at N random
# points; after each, `aihat report render D` must rebuild a complete,
# schema-valid report set from the journal alone (issue 14): the run
# ABORTED, with the samples taken up to the kill as the step's series.
#
#   scripts/killtest-journal.sh [N]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/aihat" ./cmd/aihat
go build -o "$work/reportcheck" ./scripts/reportcheck
xsd=pkg/report/testdata/JUnit-testcase-properties.xsd
run=("$work/aihat" power rails --target sim --samples 100000 --time-scale 1000)

# The window would take minutes (100000 samples at 20 ms, 1000x faster
# than real time, is 2 s of sleeping plus the sampling): kill it within its
# first 3 s, where a station's supervisor or a power cut would.
echo "killtest-journal: killing a 100000-sample window at ${n} random points in its first 3 s"

for i in $(seq 1 "$n"); do
  d="$work/r$i"
  delay_ms=$(( 100 + RANDOM % 2900 ))
  "${run[@]}" --serial "SN-J$i" --report-dir "$d" --report-dir-flat >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if ! "$work/aihat" report render "$d" -o json >"$work/out.json" 2>"$work/err"; then
    echo "killtest-journal: FAIL: render after the kill at ${delay_ms} ms: $(cat "$work/err")" >&2
    exit 1
  fi
  if ! id=$("$work/reportcheck" -xsd "$xsd" "$d"); then
    echo "killtest-journal: FAIL: the rendered set after the kill at ${delay_ms} ms is not complete" >&2
    exit 1
  fi
  case "$id" in SN-J$i-*) ;; *) echo "killtest-journal: FAIL: rendered run $id, want SN-J$i" >&2; exit 1 ;; esac
  outcome=$(grep -m1 '"outcome"' "$work/out.json" | tr -d ' ,"' | cut -d: -f2)
  samples=$(grep -o 'its [0-9]* samples up to then' "$work/out.json" | head -1 | cut -d' ' -f2)
  echo "  kill $i at ${delay_ms} ms: rendered $outcome, ${samples:-0} samples kept"
done
echo "killtest-journal: ${n} kills, each rendered into a valid record from its journal"
echo "$n passed, 0 failed"
