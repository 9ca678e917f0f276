#!/usr/bin/env bash
# Grows the committed fuzz corpora: runs each fuzz target (or the ones named
# as pkg:Target) for FUZZTIME, then copies the inputs the fuzzer found
# interesting from the build cache into the package's testdata/fuzz/<Target>,
# at most MAX per target (the smallest), so `go test` replays them.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME="${FUZZTIME:-20s}"
MAX="${MAX:-60}"
cache="$(go env GOCACHE)/fuzz/$(go list -m)"
targets=("$@")
if ((${#targets[@]} == 0)); then
  for pkg in $(go list ./...); do
    for t in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
      targets+=("$pkg:$t")
    done
  done
fi
for pt in "${targets[@]}"; do
  pkg="${pt%%:*}"; t="${pt##*:}"
  rel="${pkg#$(go list -m)/}"
  echo "== $rel $t ($FUZZTIME)"
  go test -run '^$' -fuzz "^$t\$" -fuzztime "$FUZZTIME" "./$rel" >/dev/null
  src="$cache/$rel/$t"
  dst="$rel/testdata/fuzz/$t"
  mkdir -p "$dst"
  if [[ -d "$src" ]]; then
    have=$(ls "$dst" | wc -l)
    # smallest first: they replay fast and are what a failure shrinks to
    ls -S -r "$src" | head -n $((MAX > have ? MAX - have : 0)) | while read -r f; do cp -n "$src/$f" "$dst/$f"; done
  fi
  echo "   corpus: $(ls "$dst" | wc -l) inputs"
done
