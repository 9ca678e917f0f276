#!/usr/bin/env bash
# Run the test binaries on a CPU this machine is not, under QEMU user-mode
# emulation, so numeric tests are checked against the kernels ONNX Runtime
# picks there (MLAS dispatches on CPUID / HWCAP at run time):
#
#   test-emulated.sh arm64   cross-compiled for linux/arm64, run under
#                            qemu-aarch64 -cpu cortex-a76 (the Raspberry Pi 5's
#                            core: NEON and dotprod, no SVE/SME/i8mm) with the
#                            arm64 libonnxruntime.so.1 (make test-arm64)
#   test-emulated.sh avx2    built for this x86-64 host, run under qemu-x86_64
#                            -cpu Haswell: AVX2 and FMA, no AVX-512, no VNNI
#                            (make test-avx2)
#
# Needs (Debian): gcc-aarch64-linux-gnu and qemu-user-static (or qemu-user);
# npm for the first ONNX Runtime fetch. Test binaries are built into
# .cache/test-<target>/ and run with -test.short from their package
# directory. No -race: the race detector's shadow memory does not map under
# qemu-user; `make test` runs everything with -race natively.
#
# Environment: PKGS (default: every package), QEMU_CPU (override the CPU
# model), TEST_RUN (a -test.run pattern), TEST_TIMEOUT (per binary, 20m).
set -euo pipefail

target="${1:-}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

find_qemu() {
  local n
  for n in "qemu-$1" "qemu-$1-static"; do
    if command -v "$n" >/dev/null 2>&1; then command -v "$n"; return 0; fi
  done
  echo "test-emulated: qemu-$1 not found: apt-get install qemu-user-static (or qemu-user)" >&2
  return 1
}

case "$target" in
  arm64)
    if [ "$(uname -m)" = aarch64 ]; then
      # Already on arm64 (a Raspberry Pi runner): build and run natively.
      bash scripts/fetch-ort.sh arm64
      ort="$repo/.cache/onnxruntime/linux-arm64/libonnxruntime.so.1"
      build=(env CGO_ENABLED=1)
      qemu="" cpu=native
    else
      command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || {
        echo "test-emulated: aarch64-linux-gnu-gcc not found (cgo cross-compiler for onnxruntime_go): apt-get install gcc-aarch64-linux-gnu" >&2
        exit 1
      }
      qemu="$(find_qemu aarch64)"
      cpu="${QEMU_CPU:-cortex-a76}"
      sysroot=/usr/aarch64-linux-gnu
      [ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || {
        echo "test-emulated: $sysroot/lib/ld-linux-aarch64.so.1 missing (arm64 C library for the emulated binaries): apt-get install gcc-aarch64-linux-gnu" >&2
        exit 1
      }
      export QEMU_LD_PREFIX="$sysroot"
      bash scripts/fetch-ort.sh arm64
      ort="$repo/.cache/onnxruntime/linux-arm64/libonnxruntime.so.1"
      build=(env CGO_ENABLED=1 GOARCH=arm64 CC=aarch64-linux-gnu-gcc)
    fi
    ;;
  avx2)
    [ "$(uname -m)" = x86_64 ] || { echo "test-emulated: avx2 runs x86-64 binaries; this machine is $(uname -m)" >&2; exit 1; }
    qemu="$(find_qemu x86_64)"
    # Haswell without the system features TCG does not emulate (they only
    # produce warnings): AVX2 + FMA3, no AVX-512, no AVX-VNNI.
    cpu="${QEMU_CPU:-Haswell-v4,-pcid,-x2apic,-tsc-deadline,-invpcid,-spec-ctrl}"
    bash scripts/fetch-ort.sh x64
    ort="$repo/.cache/onnxruntime/linux-x64/libonnxruntime.so.1"
    build=(env CGO_ENABLED=1)
    ;;
  *)
    echo "usage: test-emulated.sh arm64|avx2" >&2
    exit 64
    ;;
esac

out="$repo/.cache/test-$target"
rm -rf "$out"
mkdir -p "$out"
# shellcheck disable=SC2206
pkgs=(${PKGS:-$(go list ./...)})
start=$SECONDS
echo "test-emulated: building ${#pkgs[@]} packages' test binaries for $target" >&2
"${build[@]}" go test -c -o "$out/" "${pkgs[@]}"
echo "test-emulated: built in $((SECONDS - start)) s; running under ${qemu:+$(basename "$qemu") -cpu }$cpu" >&2

failed=()
for pkg in "${pkgs[@]}"; do
  bin="$out/$(basename "$pkg").test"
  [ -x "$bin" ] || continue # no test files
  dir="$(go list -f '{{.Dir}}' "$pkg")"
  t0=$SECONDS
  args=(-test.short -test.timeout "${TEST_TIMEOUT:-20m}")
  [ -n "${TEST_RUN:-}" ] && args+=(-test.run "$TEST_RUN")
  run=("$bin")
  [ -n "$qemu" ] && run=("$qemu" -cpu "$cpu" "$bin")
  if (cd "$dir" && ONNXRUNTIME_LIB="$ort" "${run[@]}" "${args[@]}" >"$out/$(basename "$pkg").log" 2>&1); then
    echo "ok   $pkg $((SECONDS - t0)) s"
  else
    echo "FAIL $pkg $((SECONDS - t0)) s"
    grep -v '^qemu-.*warning' "$out/$(basename "$pkg").log" | tail -40
    failed+=("$pkg")
  fi
done
echo "test-emulated: $target (-cpu $cpu) took $((SECONDS - start)) s wall" >&2
if ((${#failed[@]})); then
  echo "test-emulated: ${#failed[@]} package(s) failed on $target: ${failed[*]} (logs in $out/)" >&2
  exit 1
fi
