#!/usr/bin/env bash
# scripts/deb.sh ARCH...: build dist/aihat_<version>_<arch>.deb for each
# Debian architecture given (amd64, arm64; default both). The binary is
# cross-built with cgo (gcc-aarch64-linux-gnu for arm64), ONNX Runtime comes
# from the checksum-verified npm package (scripts/fetch-ort.sh), man pages,
# completions, the udev rule and the example unit from scripts/gendocs, and
# nfpm (go tool nfpm, pinned in go.mod) writes the package.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
GO="${GO:-go}"
version="$(bash scripts/version.sh)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# One timestamp for every generated file: the last commit's (reproducible).
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(amd64 arm64)
mkdir -p dist build
# nfpm is a tool dependency in go.mod (go get -tool), built at its pinned version.
"$GO" build -o build/nfpm github.com/goreleaser/nfpm/v2/cmd/nfpm

for arch in "${archs[@]}"; do
  case "$arch" in
    amd64) ortarch=x64; cc="${CC_AMD64:-gcc}" ;;
    arm64) ortarch=arm64; cc="${CC_ARM64:-aarch64-linux-gnu-gcc}" ;;
    *) echo "deb: no package for architecture $arch (amd64 or arm64)" >&2; exit 64 ;;
  esac
  if ! command -v "$cc" >/dev/null; then
    echo "deb: $cc is needed to cross-build $arch with cgo (apt-get install gcc-aarch64-linux-gnu)" >&2
    exit 1
  fi
  bash scripts/fetch-ort.sh "$arch"
  stage="$repo/build/deb/$arch/stage"
  rm -rf "$stage"
  mkdir -p "$stage/usr/bin" "$stage/usr/lib/aihat" "$stage/usr/lib/systemd/system" \
    "$stage/usr/lib/udev/rules.d" "$stage/usr/share/man" "$stage/usr/share/bash-completion/completions" \
    "$stage/usr/share/zsh/vendor-completions" "$stage/usr/share/fish/vendor_completions.d" \
    "$stage/usr/share/doc/aihat/examples"
  echo "deb: building aihat $version for linux/$arch" >&2
  CGO_ENABLED=1 GOOS=linux GOARCH="$arch" CC="$cc" \
    "$GO" build -trimpath -buildvcs=false -buildmode=pie \
      -ldflags "-s -w -X main.version=$version -X main.commit=$commit" \
      -o "$stage/usr/bin/aihat" ./cmd/aihat
  install -m 0644 ".cache/onnxruntime/linux-$ortarch/libonnxruntime.so.1" "$stage/usr/lib/aihat/"
  install -m 0755 packaging/aihat-loadtest-run "$stage/usr/lib/aihat/"
  install -m 0644 "packaging/aihat-loadtest@.service" "$stage/usr/lib/systemd/system/"
  gen="$repo/build/deb/$arch/gen"
  rm -rf "$gen"
  "$GO" run ./scripts/gendocs -out "$gen" -version "$version"
  cp -r "$gen/man/man1" "$stage/usr/share/man/"
  install -m 0644 "$gen/completions/aihat.bash" "$stage/usr/share/bash-completion/completions/aihat"
  install -m 0644 "$gen/completions/_aihat" "$stage/usr/share/zsh/vendor-completions/_aihat"
  install -m 0644 "$gen/completions/aihat.fish" "$stage/usr/share/fish/vendor_completions.d/aihat.fish"
  install -m 0644 "$gen/udev/51-hailo-udev.rules" "$stage/usr/lib/udev/rules.d/"
  install -m 0644 "$gen/examples/hailo-inference.service" "$stage/usr/share/doc/aihat/examples/"
  install -m 0644 packaging/station.example.yaml "$stage/usr/share/doc/aihat/examples/station.yaml"
  { echo "aihat: Raspberry Pi 5 + AI HAT+ 2 bring-up tool (https://github.com/aihat/aihat)"
    echo "It includes ONNX Runtime (MIT License, Copyright (c) Microsoft Corporation)"
    echo "in /usr/lib/aihat/libonnxruntime.so.1."
    echo; cat LICENSE; } > "$stage/usr/share/doc/aihat/copyright"
  # A Debian-format entry for this version whose text is packaging/changelog.
  { echo "aihat ($version) unstable; urgency=medium"; echo
    sed -e '/^$/d' -e 's/^/  /' packaging/changelog; echo
    echo " -- aihat authors <aihat@users.noreply.github.com>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"; } |
    gzip -9n > "$stage/usr/share/doc/aihat/changelog.gz"
  # Directories 0755, files as installed above, whatever the umask.
  find "$stage" -type d -exec chmod 0755 {} +
  out="$repo/dist/aihat_${version}_${arch}.deb"
  rm -f "$out"
  (cd "$stage" && AIHAT_VERSION="$version" AIHAT_ARCH="$arch" \
    "$repo/build/nfpm" package --config "$repo/packaging/nfpm.yaml" --packager deb --target "$out" >/dev/null) ||
    { echo "deb: nfpm failed for $arch" >&2; exit 1; }
  echo "deb: $out ($(stat -c %s "$out") bytes)" >&2
done
