// Package sim is the simulated Raspberry Pi 5 + AI HAT+ 2. It presents the
// files a real board has (sysfs, procfs, the device tree, config.txt), the
// output of its commands (vcgencmd, hailortcli) and the chips on its I2C
// buses (the HAT's 24C32 ID EEPROM), all rendered from a physical model on
// a virtual clock: die temperatures as RC networks, the Pi 5 fan curve,
// firmware throttling, supply sag and rails that follow load. It is
// deterministic for a seed, and named faults break it in the ways the
// stages must catch. Stage code reads it through board.Board exactly as it
// reads a real Pi.
package sim
