// Package hwtest runs aihat against real kernel drivers: a QEMU vexpress-a9
// guest (Debian's armmp kernel) with QEMU's at24c-eeprom chips on the
// Versatile I2C adapter (i2c-versatile + i2c-dev) and GPIO lines from the
// kernel's gpio-sim, labelled like the Pi 5's header chip. `make hwtest`
// fetches and builds what the guest needs (scripts/hwtest) and runs the
// test in this package, which is behind the build tag hwtest: it boots
// the guest, parses each command's exit code and output from the console,
// and checks the EEPROM backing files from the host.
//
// wpwatch is the guest-side helper that reports what happens to the
// EEPROM's write-protect line while `aihat eeprom write` runs.
package hwtest
