#!/usr/bin/env bash
# The issue's sim figures: 24 h of virtual time at 1 Hz sampling with a
# health check every 10 min, with a journal (--report-dir), on this machine.
# Prints the wall time, the peak RSS (/usr/bin/time) and aihat's own RSS
# at 1 h and at 24 h (the health records' aihat_rss_bytes).
#
#   scripts/loadtest-sim.sh [DURATION]     (default 24h)
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-24h}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/aihat" ./cmd/aihat
/usr/bin/time -f '%e %M' -o "$work/time" "$work/aihat" loadtest --target sim --duration "$dur" --interval 1s \
  --health-every 10m --report-dir "$work/r" --report-dir-flat -o json >"$work/out.json" 2>"$work/err" || {
  echo "loadtest-sim: aihat loadtest failed:" >&2; tail -5 "$work/err" >&2; exit 1; }
read -r wall peak_kb <"$work/time"
rss_at() { # the first health record at or after hour $1
  grep '"k":"health"' "$work/r/journal.jsonl" | sed -n 's/.*"t":"\([^"]*\)".*"aihat_rss_bytes":\([0-9.e+]*\).*/\1 \2/p' |
    awk -v h="$1" '{n++; last=$2; if (n-1 >= h*6) {printf "%.1f", $2/1048576; done=1; exit}} END{if (!done) printf "%.1f", last/1048576}'
}
sweeps=$(grep -c '"k":"sweep"' "$work/r/journal.jsonl")
size=$(du -m "$work/r/journal.jsonl" | cut -f1)
outcome=$(grep -m1 '"outcome"' "$work/out.json" | tr -d ' ,"' | cut -d: -f2)
echo "loadtest-sim: $dur of sim at 1 Hz, health every 10 min: $outcome"
echo "  wall ${wall} s, peak RSS $((peak_kb / 1024)) MiB"
echo "  aihat RSS at 1 h: $(rss_at 1) MiB, at the end: $(rss_at 1000000) MiB"
echo "  journal: ${sweeps} sweeps, ${size} MB"
