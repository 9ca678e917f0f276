package board

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
	"periph.io/x/conn/v3/i2c"
)

// linuxBus is a periph bus plus SMBus quick-write, which periph lacks: its
// Tx with nothing to write or read returns success without touching the
// bus, so an i2cdetect-style probe through it would find every address.
type linuxBus struct {
	i2c.BusCloser
	n int
}

// ErrNoAck is a transfer the addressed chip did not acknowledge: i2c-dev's
// ENXIO. periph reports it only as text, so Tx recognises the kernel's
// message and names the address.
var ErrNoAck = errors.New("no acknowledge (NAK)")

// Tx implements i2c.Bus through periph (I2C_RDWR), naming a missing
// acknowledge so that "no chip here" reads as that, not as an errno.
func (b *linuxBus) Tx(addr uint16, w, r []byte) error {
	err := b.BusCloser.Tx(addr, w, r)
	if err != nil && strings.Contains(err.Error(), unix.ENXIO.Error()) {
		return fmt.Errorf("%w from 0x%02x on /dev/i2c-%d (%v): is a chip fitted and powered at that address?", ErrNoAck, addr, b.n, err)
	}
	return err
}

// Linux i2c-dev ioctls and SMBus constants (include/uapi/linux/i2c-dev.h,
// i2c.h).
const (
	ioctlI2CSlave  = 0x0703
	ioctlI2CSMBus  = 0x0720
	smbusWrite     = 0
	smbusQuick     = 0
	errBusyMessage = "address is claimed by a kernel driver (i2cdetect shows UU)"
)

type smbusIoctlData struct {
	readWrite uint8
	command   uint8
	size      uint32
	data      uintptr
}

// ErrBusy is returned by QuickWrite when a kernel driver owns the address.
var ErrBusy = errors.New(errBusyMessage)

// QuickWrite sends an SMBus quick write (address + W bit, no data) to addr
// and reports whether it was acknowledged, as `i2cdetect -q` does.
func (b *linuxBus) QuickWrite(addr uint16) error {
	path := fmt.Sprintf("/dev/i2c-%d", b.n)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	fd := f.Fd()
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, fd, ioctlI2CSlave, uintptr(addr)); e != 0 {
		if e == unix.EBUSY {
			return ErrBusy
		}
		return fmt.Errorf("%s: set address 0x%02x: %w", path, addr, e)
	}
	d := smbusIoctlData{readWrite: smbusWrite, command: 0, size: smbusQuick}
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, fd, ioctlI2CSMBus, uintptr(unsafe.Pointer(&d))); e != 0 {
		return fmt.Errorf("%s addr 0x%02x: quick write: %w", path, addr, e)
	}
	return nil
}
