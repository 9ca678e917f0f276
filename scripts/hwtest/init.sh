#!/bin/busybox sh
# /init of the QEMU hardware-test guest (busybox, no userland besides it).
# Loads the real kernel drivers aihat talks to (i2c-dev, i2c-versatile,
# gpio-sim through configfs), runs the commands of the boot named by
# aihat.boot= on the kernel command line, and prints each one between
# markers the host test parses:
#   @@@ BEGIN <name>          then the command line
#   @@@ STDOUT <name>         then its stdout
#   @@@ STDERR <name>         then its stderr
#   @@@ END <name> rc=<exit code>
# then powers off. Every value the host checks comes from a marker line.
/bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
dmesg -n 1 # keep kernel messages off the console the host parses

fail() { echo "@@@ SETUP-FAILED $*"; poweroff -f; }

boot=
for a in $(cat /proc/cmdline); do
  case $a in aihat.boot=*) boot=${a#aihat.boot=} ;; esac
done

for m in configfs i2c-dev i2c-versatile gpio-sim; do
  insmod /lib/modules/$m.ko || fail "insmod $m"
done
mount -t configfs configfs /sys/kernel/config || fail "mount configfs"

# GPIO: two gpio-sim banks. The first carries another Pi 5 chip's label so
# the header chip is not the first /dev/gpiochip*; the second is labelled
# like the Pi 5's 40-pin header chip (RP1), with its 54 lines.
g=/sys/kernel/config/gpio-sim/pi5
mkdir $g $g/bank0 $g/bank1 || fail "gpio-sim configfs"
echo 32 >$g/bank0/num_lines
echo gpio-brcmstb@107d508500 >$g/bank0/label
echo 54 >$g/bank1/num_lines
echo pinctrl-rp1 >$g/bank1/label
echo 1 >$g/live || fail "gpio-sim live"
WP=4 # header GPIO wired to the EEPROM's WP (the plan's hat.wp_gpio on a HAT+ test station)
wpdir=/sys/devices/platform/$(cat $g/dev_name)/$(cat $g/bank1/chip_name)/sim_gpio$WP
# A 24C32's WP is pulled up on a HAT+: idle = protected = 1.
echo pull-up >$wpdir/pull || fail "pull-up $wpdir"
echo "@@@ INFO gpio header_chip=$(cat $g/bank1/chip_name) other_chip=$(cat $g/bank0/chip_name) wp_idle=$(cat $wpdir/value)"

# I2C: the Versatile controller QEMU puts the EEPROMs on (i2c@16000, the
# DVI bus, where QEMU's own SiI9022 sits at 0x39). Its number is whatever
# the kernel gave it, so the plan is written from what sysfs says.
bus=
for d in /sys/bus/i2c/devices/i2c-*; do
  case $(readlink $d/of_node) in *i2c@16000) bus=${d##*/i2c-} ;; esac
done
[ -n "$bus" ] || fail "no i2c adapter for i2c@16000"
sed "s/@BUS@/$bus/g" /plan.yaml.in >/plan.yaml
echo "@@@ INFO i2c bus=$bus adapter=$(tr " " _ </sys/bus/i2c/devices/i2c-$bus/name)"

# run NAME CMD...: one aihat command between markers.
run() {
  name=$1
  shift
  echo "@@@ BEGIN $name"
  echo "$*"
  "$@" >/tmp/out 2>/tmp/err
  rc=$?
  echo "@@@ STDOUT $name"
  cat /tmp/out
  echo
  echo "@@@ STDERR $name"
  cat /tmp/err
  echo
  echo "@@@ END $name rc=$rc"
}

# write NAME ARGS...: `aihat eeprom write` with the WP line watched: the
# watcher reports every request and release of the line with its
# direction and driven level, then the line's level after aihat exited.
write() {
  name=$1
  shift
  /bin/wpwatch $(cat $g/bank1/chip_name) $WP $wpdir/value >/tmp/wp 2>&1 &
  wpw=$!
  sleep 1 # the watcher is watching before aihat requests the line
  run $name aihat --target linux --plan /plan.yaml eeprom write "$@"
  sleep 1
  kill $wpw
  wait $wpw 2>/dev/null
  echo "@@@ BEGIN $name-wp"
  echo "@@@ STDOUT $name-wp"
  cat /tmp/wp
  echo "idle value=$(cat $wpdir/value)"
  echo "@@@ STDERR $name-wp"
  echo "@@@ END $name-wp rc=0"
}

A="aihat --target linux --plan /plan.yaml"
case $boot in
writable)
  run scan $A -o json i2c scan
  run dump-preloaded $A eeprom dump --json --bus $bus --addr 0x51
  write write /images/aihat2-hatplus.eep --yes --wp-gpio $WP
  run verify $A -o json eeprom verify
  run write-again $A eeprom write /images/aihat2-hatplus.eep --yes
  run missing-bus $A eeprom dump --bus 9 --addr 0x50
  run missing-chip $A eeprom dump --bus $bus --addr 0x52
  ;;
readonly)
  write write-readonly /images/aihat2-hatplus.eep --yes --wp-gpio $WP
  ;;
*)
  fail "unknown aihat.boot=$boot"
  ;;
esac
echo "@@@ DONE"
sync
poweroff -f
