package vcio

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Device files vcgencmd tries, in its order: the restricted gencmd-only
// node first, then the full mailbox.
var DeviceFiles = []string{"/dev/vcio_gencmd", "/dev/vcio"}

// iocMboxProperty is _IOWR(100, 0, char *): its size field is the size of
// a pointer, so the number differs between arm64 (0xc0086400) and armhf
// (0xc0046400).
var iocMboxProperty = uintptr(3<<30 | uint32(unsafe.Sizeof(uintptr(0)))<<16 | 100<<8 | 0)

// Device is an open mailbox. Calls are serialised: the firmware answers one
// property message at a time.
type Device struct {
	mu   sync.Mutex
	f    *os.File
	Path string
}

// Open opens the first mailbox device that exists, as vcgencmd does. The
// error names every path tried.
func Open(root string) (*Device, error) {
	var errs []error
	for _, p := range DeviceFiles {
		f, err := os.OpenFile(root+p, os.O_RDONLY, 0)
		if err == nil {
			return &Device{f: f, Path: p}, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("no VideoCore mailbox: %w (is this a Raspberry Pi, and is the user in group video?)", errors.Join(errs...))
}

// Gencmd runs one command line and returns its result text.
func (d *Device) Gencmd(ctx context.Context, command string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	buf, err := Encode(command)
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, d.f.Fd(), iocMboxProperty, uintptr(unsafe.Pointer(&buf[0]))); errno != 0 {
		return "", fmt.Errorf("%s: mailbox ioctl: %w", d.Path, errno)
	}
	res, err := Decode(buf)
	if err != nil {
		return res, fmt.Errorf("%s: gencmd %q: %w", d.Path, command, err)
	}
	return res, nil
}

// Close closes the device.
func (d *Device) Close() error { return d.f.Close() }

func uintptrSize() uintptr { return unsafe.Sizeof(uintptr(0)) }
