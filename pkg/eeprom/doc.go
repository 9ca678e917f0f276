// Package eeprom reads, decodes, checks, makes and programs the HAT / HAT+
// ID EEPROM image (the 24C32 on I2C bus 0, address 0x50, that the Pi
// firmware reads at boot), byte-compatible with the Raspberry Pi reference
// tools eepmake and eepdump.
//
// The binary format: a 12-byte header (signature "R-Pi", format version —
// 1 for the original HAT, 2 for HAT+ — a reserved byte, a u16 atom count
// and a u32 total length, all little-endian) followed by atoms (u16 type,
// u16 count, u32 dlen = data length + 2, data, and a CRC-16/ARC over the
// atom header and data).
//
// Decode never fails: it returns what it could decode and every problem it
// found as a typed *Problem (errors.Is against ErrCRC, ErrBlank, ...).
// Encode writes atoms in eepmake's order, so an image made from a settings
// file is identical to eepmake's output.
package eeprom
