#!/usr/bin/env bash
# Fetch the Debian packages the QEMU hardware test needs into
# .cache/hwtest/debs, each checked against its sha256 in debs.sha256, and
# unpack them into .cache/hwtest/root. Cached files that match their pin are
# not fetched again.
#
#   scripts/hwtest/fetch.sh            fetch and unpack the pinned packages
#   scripts/hwtest/fetch.sh --update   re-resolve the current bookworm versions
#                                      (private apt configuration, the host's
#                                      dpkg architectures untouched) and
#                                      rewrite debs.sha256
set -euo pipefail
cd "$(dirname "$0")/../.."
pins=scripts/hwtest/debs.sha256
cache=.cache/hwtest
# The Debian archive apt is configured with, unless DEBIAN_MIRROR names one.
mirror=${DEBIAN_MIRROR:-$(bash scripts/apt-mirror.sh)}

# The packages, by name; the armmp kernel's ABI (6.1.0-N) is resolved by
# --update through the linux-image-armmp / linux-headers-armmp metapackages.
packages=(linux-image-@ABI@-armmp:armhf linux-headers-@ABI@-armmp:armhf
  linux-headers-@ABI@-common linux-kbuild-6.1:amd64 linux-source-6.1 busybox-static:armhf)

update() {
  local apt=$cache/apt
  mkdir -p "$apt"/{lists/partial,cache/archives/partial,etc}
  touch "$apt/status"
  cat >"$apt/etc/sources.list" <<SRC
deb [arch=armhf,amd64] $mirror bookworm main
deb [arch=armhf,amd64] $mirror bookworm-updates main
SRC
  cat >"$apt/apt.conf" <<CONF
APT::Architecture "amd64";
APT::Architectures { "amd64"; "armhf"; };
Dir::State "$PWD/$apt";
Dir::State::Lists "$PWD/$apt/lists";
Dir::State::status "$PWD/$apt/status";
Dir::Cache "$PWD/$apt/cache";
Dir::Etc::SourceList "$PWD/$apt/etc/sources.list";
Dir::Etc::SourceParts "$PWD/$apt/etc";
Dir::Etc::Preferences "$PWD/$apt/etc/preferences";
Dir::Etc::PreferencesParts "$PWD/$apt/etc";
Acquire::Languages "none";
CONF
  export APT_CONFIG=$PWD/$apt/apt.conf
  apt-get update -qq
  local abi
  abi=$(apt-cache depends linux-image-armmp:armhf | sed -n 's/.*Depends: linux-image-\(6\.1\.0-[0-9]*\)-armmp.*/\1/p' | head -1)
  [[ -n $abi ]] || { echo "fetch.sh: cannot resolve the armmp kernel ABI from linux-image-armmp" >&2; exit 1; }
  {
    sed -n '/^#/p' "$pins"
    for p in "${packages[@]}"; do
      p=${p//@ABI@/$abi}
      apt-cache show "$p" | awk '/^Filename:/{f=$2} /^SHA256:/{s=$2} /^$/{if(f){print s"  "f; exit}}'
    done
  } >"$pins.new"
  mv "$pins.new" "$pins"
  echo "pinned kernel ABI $abi in $pins"
}

if [[ ${1:-} == --update ]]; then
  update
fi

mkdir -p "$cache/debs"
while read -r sum path; do
  [[ -z $sum || $sum == \#* ]] && continue
  f=$cache/debs/$(basename "$path")
  if [[ -f $f ]] && echo "$sum  $f" | sha256sum -c --status; then
    continue
  fi
  echo "fetch $path"
  if ! curl -fsSL --retry 3 -o "$f.part" "$mirror/$path"; then
    rm -f "$f.part"
    echo "fetch.sh: cannot download $mirror/$path: if Debian dropped this version, run scripts/hwtest/fetch.sh --update to pin the current one" >&2
    exit 1
  fi
  if ! echo "$sum  $f.part" | sha256sum -c --status; then
    echo "fetch.sh: $path does not match its pinned sha256 $sum (mirror in sync? run --update if the archive changed)" >&2
    rm -f "$f.part"
    exit 1
  fi
  mv "$f.part" "$f"
done <"$pins"

# Unpack into a fresh root when the set of packages changed.
stamp=$cache/root/.pins
if ! cmp -s "$pins" "$stamp" 2>/dev/null; then
  rm -rf "$cache/root"
  mkdir -p "$cache/root"
  while read -r sum path; do
    [[ -z $sum || $sum == \#* ]] && continue
    dpkg-deb -x "$cache/debs/$(basename "$path")" "$cache/root"
  done <"$pins"
  cp "$pins" "$stamp"
fi
