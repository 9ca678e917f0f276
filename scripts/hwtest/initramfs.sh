#!/usr/bin/env bash
# Write the QEMU hardware-test guest's initramfs: busybox, /init (init.sh),
# the kernel modules aihat needs (configfs, i2c-dev, i2c-versatile, and the
# gpio-sim module from build-gpio-sim.sh), the armv7 aihat and wpwatch
# binaries, the plan template and the EEPROM image the guest writes.
#   scripts/hwtest/initramfs.sh AIHAT WPWATCH OUT.cpio.gz
set -euo pipefail
cd "$(dirname "$0")/../.."
aihat=$1 wpwatch=$2 out=$3
root=.cache/hwtest/root
mods=$(echo "$root"/lib/modules/*-armmp)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,dev,proc,sys,tmp,images,lib/modules}
cp "$root/bin/busybox" "$stage/bin/busybox"
cp scripts/hwtest/init.sh "$stage/init"
chmod 755 "$stage/init"
cp "$aihat" "$stage/bin/aihat"
cp "$wpwatch" "$stage/bin/wpwatch"
cp scripts/hwtest/plan.yaml.in "$stage/plan.yaml.in"
cp testdata/eeprom/aihat2-hatplus.eep "$stage/images/"
for m in fs/configfs/configfs drivers/i2c/i2c-dev drivers/i2c/busses/i2c-versatile; do
  # Debian ships some modules xz-compressed; busybox insmod wants them plain.
  if [[ -f $mods/kernel/$m.ko.xz ]]; then
    xz -dc "$mods/kernel/$m.ko.xz" >"$stage/lib/modules/$(basename "$m").ko"
  else
    cp "$mods/kernel/$m.ko" "$stage/lib/modules/"
  fi
done
cp .cache/hwtest/build/gpio-sim/gpio-sim.ko "$stage/lib/modules/"
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
