#!/usr/bin/env bash
# Fetch the ONNX Runtime shared library (1.24.1, the version onnxruntime_go
# v1.27.0 is built against) for this machine's architecture from the npm
# package onnxruntime-node, check it against the SHA-256 recorded in
# scripts/ort.sha256 and cache it under .cache/onnxruntime/linux-<arch>/.
# Nothing binary is committed; `make ort` runs this on demand.
set -euo pipefail

ORT_VERSION=1.24.1
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"

# An optional argument picks another architecture (x64 or arm64), for
# cross-built packages: scripts/fetch-ort.sh arm64.
case "${1:-$(uname -m)}" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "fetch-ort: no ONNX Runtime build for ${1:-$(uname -m)} in onnxruntime-node; install libonnxruntime.so 1.24.1 yourself and set ONNXRUNTIME_LIB" >&2; exit 1 ;;
esac

dest="$repo/.cache/onnxruntime/linux-$arch"
lib="$dest/libonnxruntime.so.1"
want="$(awk -v a="linux-$arch" '$2 == a {print $1}' "$here/ort.sha256")"
if [ -z "$want" ]; then
  echo "fetch-ort: no checksum for linux-$arch in scripts/ort.sha256" >&2
  exit 1
fi

if [ -f "$lib" ] && echo "$want  $lib" | sha256sum --check --status; then
  exit 0
fi

if ! command -v npm >/dev/null; then
  echo "fetch-ort: npm is needed to fetch onnxruntime-node@$ORT_VERSION (apt-get install npm)" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "fetch-ort: fetching onnxruntime-node@$ORT_VERSION (linux-$arch)" >&2
(cd "$work" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
tarball="$(ls "$work"/onnxruntime-node-*.tgz)"
member="package/bin/napi-v6/linux/$arch/libonnxruntime.so.1"
tar -xzf "$tarball" -C "$work" "$member"

got="$(sha256sum "$work/$member" | cut -d' ' -f1)"
if [ "$got" != "$want" ]; then
  echo "fetch-ort: checksum mismatch for $member: got $got, want $want" >&2
  exit 1
fi
mkdir -p "$dest"
install -m 0644 "$work/$member" "$lib.tmp"
mv "$lib.tmp" "$lib"
echo "fetch-ort: $lib" >&2
