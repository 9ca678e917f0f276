#!/usr/bin/env bash
# Build the kernel's gpio-sim driver as an out-of-tree module for the
# guest's Debian armmp kernel. Debian builds neither CONFIG_GPIO_SIM nor
# CONFIG_IRQ_SIM, so gpio-sim.c is linked with kernel/irq/irq_sim.c into one
# module, from the same linux-source as the kernel, against its headers.
# Two changes to the sources (both for building outside the tree, neither
# touching what the driver does):
#  - drop MODULE_DEVICE_TABLE(of, ...): the host's amd64 modpost rejects a
#    32-bit of_device_id table (the module is only ever created through
#    configfs here, never matched from a device tree);
#  - irq_sim.c calls handle_simple_irq(irq_to_desc(n)), and irq_to_desc is
#    not exported to modules; generic_handle_irq(n) is the exported path
#    to the same handler.
# Output: .cache/hwtest/build/gpio-sim/gpio-sim.ko (rebuilt when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD/.cache/hwtest/root
out=$PWD/.cache/hwtest/build/gpio-sim
[[ -f $out/gpio-sim.ko && $out/gpio-sim.ko -nt $root/.pins && $out/gpio-sim.ko -nt $0 ]] && exit 0

hdr=$(echo "$root"/usr/src/linux-headers-*-armmp)
common=$(echo "$root"/usr/src/linux-headers-*-common)
[[ -d $hdr && -d $common ]] || { echo "build-gpio-sim.sh: no armmp headers under $root (run scripts/hwtest/fetch.sh)" >&2; exit 1; }
# The headers' Makefile includes /usr/src/...-common by absolute path; point
# it at the unpacked copy (the host's /usr/src is not touched).
echo "include $common/Makefile" >"$hdr/Makefile"

rm -rf "$out" && mkdir -p "$out"
tar -xJf "$root"/usr/src/linux-source-6.1.tar.xz -C "$out" --strip-components=1 \
  linux-source-6.1/drivers/gpio/gpio-sim.c linux-source-6.1/drivers/gpio/gpiolib.h \
  linux-source-6.1/kernel/irq/irq_sim.c
mv "$out/drivers/gpio/gpio-sim.c" "$out/gpio-sim-main.c"
mv "$out/drivers/gpio/gpiolib.h" "$out/kernel/irq/irq_sim.c" "$out/"
rm -rf "$out/drivers" "$out/kernel"
sed -i '/^MODULE_DEVICE_TABLE(of, /d' "$out/gpio-sim-main.c"
sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$out/irq_sim.c"
grep -q 'generic_handle_irq(irqnum)' "$out/irq_sim.c" || { echo "build-gpio-sim.sh: irq_sim.c changed upstream: irq_to_desc patch did not apply" >&2; exit 1; }
if grep -q '^MODULE_DEVICE_TABLE(of, ' "$out/gpio-sim-main.c"; then echo "build-gpio-sim.sh: MODULE_DEVICE_TABLE still there" >&2; exit 1; fi
cat >"$out/Kbuild" <<'KB'
obj-m := gpio-sim.o
gpio-sim-y := gpio-sim-main.o irq_sim.o
KB
make -s -C "$hdr" M="$out" ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf- modules
