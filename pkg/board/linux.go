package board

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aihat/aihat/pkg/clock"
	"github.com/aihat/aihat/pkg/safefile"
	"github.com/warthog618/go-gpiocdev"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"
)

// Linux is the host aihat runs on, through its kernel interfaces: the
// filesystem at "/", I2C through /dev/i2c-N, GPIO through the character
// device, commands by exec. It never replays anything: a captured tree is
// the fixture target (pkg/board/fixture), so "linux" in a run record always
// means a live kernel was measured.
type Linux struct {
	fsys     fs.FS
	hostOnce sync.Once
	hostErr  error
	vc       gencmd
}

// NewLinux returns the linux target: the live kernel of this host.
func NewLinux() *Linux { return &Linux{fsys: RootFS("/")} }

// Name implements Board.
func (l *Linux) Name() string { return "linux" }

// FS implements Board.
func (l *Linux) FS() fs.FS { return l.fsys }

// I2C implements Board through periph's host drivers (/dev/i2c-N). periph
// is used for I2C only: its memory-mapped GPIO does not know the Pi 5's RP1.
func (l *Linux) I2C(n int) (i2c.BusCloser, error) {
	l.hostOnce.Do(func() { _, l.hostErr = host.Init() })
	if l.hostErr != nil {
		return nil, fmt.Errorf("init periph host: %w", l.hostErr)
	}
	dev := fmt.Sprintf("/dev/i2c-%d", n)
	if _, err := os.Stat(dev); errors.Is(err, fs.ErrNotExist) {
		have, _ := filepath.Glob("/dev/i2c-*")
		if len(have) == 0 {
			have = []string{"none"}
		}
		return nil, fmt.Errorf("open %s: no such I2C bus (this kernel has: %s); enable the bus in config.txt (dtparam=i2c_arm=on, dtparam=i2c_vc=on) and load i2c-dev", dev, strings.Join(have, " "))
	}
	b, err := i2creg.Open(fmt.Sprint(n))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w (is the bus enabled in config.txt and are you in group i2c?)", dev, err)
	}
	return &linuxBus{BusCloser: b, n: n}, nil
}

// Line implements Board with the GPIO character device (go-gpiocdev).
func (l *Linux) Line(chip string, offset int) (Line, error) {
	if chip == "" {
		chip = HeaderChipLabel
	}
	name, err := findChip(chip, cdevChips)
	if err != nil {
		return nil, err
	}
	return &cdevLine{chip: name, offset: offset}, nil
}

// gpioChip is one GPIO character device and the label its driver gave it.
type gpioChip struct {
	Name  string // "gpiochip0", the node under /dev
	Label string // "pinctrl-rp1"; empty when Err is set
	Err   error  // the chip could not be opened (permissions)
}

// cdevChips lists /dev/gpiochip* and asks each chip for its label with
// the chip-info ioctl, as libgpiod's gpiodetect does. Sysfs cannot answer
// this: sys/bus/gpio/devices/gpiochipN has no label file, and
// /sys/class/gpio/gpiochipN is numbered by GPIO base, not by the /dev node.
func cdevChips() []gpioChip {
	var out []gpioChip
	for _, name := range gpiocdev.Chips() {
		c, err := gpiocdev.NewChip(name)
		if err != nil {
			out = append(out, gpioChip{Name: name, Err: err})
			continue
		}
		out = append(out, gpioChip{Name: name, Label: c.Label})
		c.Close()
	}
	return out
}

// findChip maps a chip label to its /dev/gpiochipN name. A name that is
// already a chip node ("gpiochip4") is taken as it is.
func findChip(label string, list func() []gpioChip) (string, error) {
	chips := list()
	var seen []string
	for _, c := range chips {
		if c.Name == label {
			return c.Name, nil
		}
		if c.Err != nil {
			seen = append(seen, fmt.Sprintf("/dev/%s (%v)", c.Name, c.Err))
			continue
		}
		if c.Label == label {
			return c.Name, nil
		}
		seen = append(seen, fmt.Sprintf("/dev/%s %q", c.Name, c.Label))
	}
	if len(chips) == 0 {
		return "", fmt.Errorf("no GPIO chip labelled %q: no /dev/gpiochip* on this host (is this a Raspberry Pi 5 with its GPIO driver loaded?)", label)
	}
	return "", fmt.Errorf("no GPIO chip labelled %q among %s (is this a Raspberry Pi 5? a chip that cannot be opened needs group gpio or root)", label, strings.Join(seen, ", "))
}

// cdevLine requests the line lazily: as an output on Set, as an input on Get.
type cdevLine struct {
	chip   string
	offset int
	line   *gpiocdev.Line
	output bool
}

func (c *cdevLine) Set(v int) error {
	if c.line != nil && c.output {
		return c.line.SetValue(v)
	}
	c.close()
	ln, err := gpiocdev.RequestLine(c.chip, c.offset, gpiocdev.AsOutput(v), gpiocdev.WithConsumer("aihat"))
	if err != nil {
		return fmt.Errorf("request %s line %d as output: %w", c.chip, c.offset, err)
	}
	c.line, c.output = ln, true
	return nil
}

func (c *cdevLine) Get() (int, error) {
	if c.line == nil {
		ln, err := gpiocdev.RequestLine(c.chip, c.offset, gpiocdev.AsInput, gpiocdev.WithConsumer("aihat"))
		if err != nil {
			return 0, fmt.Errorf("request %s line %d as input: %w", c.chip, c.offset, err)
		}
		c.line = ln
	}
	v, err := c.line.Value()
	if err != nil {
		return 0, fmt.Errorf("read %s line %d: %w", c.chip, c.offset, err)
	}
	return v, nil
}

func (c *cdevLine) close() {
	if c.line != nil {
		c.line.Close()
		c.line = nil
	}
}

func (c *cdevLine) Close() error { c.close(); return nil }

// Run implements Board by executing the command on the host (looked up
// on PATH).
func (l *Linux) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, _, err := l.RunOutput(ctx, name, args...)
	return out, err
}

// RunOutput implements OutputRunner: Run with stderr apart.
func (l *Linux) RunOutput(ctx context.Context, name string, args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(errBuf.String())
		if msg != "" {
			return out, errBuf.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
		}
		return out, errBuf.Bytes(), fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return out, errBuf.Bytes(), nil
}

// Clock implements Board: the real clock.
func (l *Linux) Clock() clock.Clock { return clock.Real() }

// SetLoad implements Board: on real hardware the load is real.
func (l *Linux) SetLoad(Load) {}

// Close implements Board.
func (l *Linux) Close() error {
	if l.vc.dev != nil {
		return l.vc.dev.Close()
	}
	return nil
}

// RootFS is the board filesystem rooted at dir, with the guards every board
// read needs: a FIFO or device where a file belongs is an error, not a hang,
// and each read is capped (a link to /dev/zero cannot exhaust memory).
func RootFS(dir string) fs.FS { return safefile.FS(os.DirFS(dir)) }
