#!/usr/bin/env bash
# scripts/test-arm64-noort.sh: cross-compile the test binaries of every
# package whose tests do not need ONNX Runtime (no onnxruntime_go among their
# test dependencies) for linux/arm64 without cgo, and run each under
# qemu-aarch64-static in its package directory (where its testdata is).
# `make test-arm64` (issue 9) covers the packages that do need ONNX Runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"
QEMU="${QEMU:-qemu-aarch64-static}"
if ! command -v "$QEMU" >/dev/null; then
  echo "test-arm64-noort: $QEMU is needed (apt-get install qemu-user-static)" >&2
  exit 1
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
pass=0 fail=0 skipped=()
t0=$(date +%s)
for pkg in $("$GO" list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...); do
  if "$GO" list -deps -test "$pkg" | grep -qx 'github.com/yalue/onnxruntime_go'; then
    skipped+=("$pkg")
    continue
  fi
  bin="$out/$(echo "$pkg" | tr / _).test"
  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 "$GO" test -c -o "$bin" "$pkg"
  dir="$("$GO" list -f '{{.Dir}}' "$pkg")"
  if (cd "$dir" && "$QEMU" "$bin" -test.timeout 10m >"$out/log" 2>&1); then
    echo "ok    $pkg (arm64 under qemu)"
    pass=$((pass + 1))
  else
    echo "FAIL  $pkg (arm64 under qemu)"; cat "$out/log"
    fail=$((fail + 1))
  fi
done
echo "not run here (they need ONNX Runtime; make test-arm64 runs them): ${skipped[*]}"
echo "test-arm64-noort: $(($(date +%s) - t0)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
