// Package telemetry watches a board for a long time without disturbing
// it: typed sources (SoC temperature, the real ARM clock, throttle flags,
// PMIC rails, hwmon power monitors, the fan, the under-voltage alarm,
// memory, a process's RSS, fds and threads) and one sampler that runs them
// every interval on the board's clock (virtual on the sim, so a 24 h run
// takes seconds), stops at once when its context ends, and keeps each
// series as a fixed-size min/max envelope so its memory stays flat however
// long it runs. Full-resolution samples go to a sink (the journal).
//
// Readings never fork on a real Pi: VideoCore commands go through the
// board's Gencmd (the mailbox, pkg/vcio) when it has one, and sysfs files
// stay open and are re-read from offset 0. A source that fails gives a
// missing sample and a counted error, never a zero.
package telemetry
