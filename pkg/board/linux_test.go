package board

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestLinuxIsTheLiveKernel: the linux target reads "/", opens the
// kernel's /dev/i2c-N and executes commands; nothing is replayed, even
// where the host has a .aihat tree of captures (it has no way to be given
// one: captured trees are the fixture target's).
func TestLinuxIsTheLiveKernel(t *testing.T) {
	l := NewLinux()
	if l.Name() != "linux" {
		t.Fatalf("Name = %q", l.Name())
	}
	if _, err := fs.Stat(l.FS(), "proc/self"); err != nil {
		t.Fatalf("FS is not the host's /: %v", err)
	}
	out, err := l.Run(context.Background(), "echo", "from", "exec")
	if err != nil || string(out) != "from exec\n" {
		t.Fatalf("Run(echo) = %q, %v; want the real command's output", out, err)
	}
	// A bus number no kernel has: the error is about the kernel's device
	// node, not about a capture.
	_, err = l.I2C(987)
	if err == nil || !strings.Contains(err.Error(), "/dev/i2c-987") || strings.Contains(err.Error(), "capture") {
		t.Fatalf("I2C(987) = %v, want the kernel's missing /dev/i2c-987", err)
	}
}

// Chips as a Pi 5 on kernel 6.6.47+ lists them (gpiodetect): the header
// chip is gpiochip0 there, gpiochip4 on earlier kernels.
func pi5Chips() []gpioChip {
	return []gpioChip{
		{Name: "gpiochip0", Label: "gpio-brcmstb@107d508500"},
		{Name: "gpiochip1", Label: "gpio-brcmstb@107d517c00"},
		{Name: "gpiochip4", Label: "pinctrl-rp1"},
	}
}

func TestFindChipAsksEachChipForItsLabel(t *testing.T) {
	name, err := findChip(HeaderChipLabel, pi5Chips)
	if err != nil || name != "gpiochip4" {
		t.Fatalf("findChip = %q, %v; want gpiochip4", name, err)
	}
	name, err = findChip("gpiochip1", pi5Chips)
	if err != nil || name != "gpiochip1" {
		t.Fatalf("findChip(gpiochip1) = %q, %v; a chip node name is taken as it is", name, err)
	}
}

func TestFindChipNamesWhatItSawWhenTheLabelIsMissing(t *testing.T) {
	list := func() []gpioChip {
		return []gpioChip{{Name: "gpiochip0", Label: "gpio-sim.0-node0"}, {Name: "gpiochip1", Err: os.ErrPermission}}
	}
	_, err := findChip(HeaderChipLabel, list)
	for _, want := range []string{`"pinctrl-rp1"`, `/dev/gpiochip0 "gpio-sim.0-node0"`, "/dev/gpiochip1 (permission denied)", "group gpio"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %s", err, want)
		}
	}
	_, err = findChip(HeaderChipLabel, func() []gpioChip { return nil })
	if err == nil || !strings.Contains(err.Error(), "no /dev/gpiochip*") {
		t.Errorf("no chips: err = %v, want it to say there are none", err)
	}
}

func TestLineOnTheLiveHostListsItsRealChips(t *testing.T) {
	// The real listing: on this host (no GPIO chips in CI containers) the
	// error says what was found; on a Pi the header chip is found.
	ln, err := NewLinux().Line("", 4)
	if err == nil {
		ln.Close()
		return
	}
	if !strings.Contains(err.Error(), "pinctrl-rp1") {
		t.Fatalf("err = %v, want the label named", err)
	}
}

// Without a mailbox (this host has no /dev/vcio) gencmd falls back to
// exec'ing vcgencmd and says so; the fallback's failure names the command.
func TestGencmdFallsBackToVcgencmdAndSaysSo(t *testing.T) {
	if _, err := os.Stat("/dev/vcio"); err == nil {
		t.Skip("this host has a VideoCore mailbox")
	}
	l := NewLinux()
	_, err := l.Gencmd(context.Background(), "get_throttled")
	if !strings.HasPrefix(l.GencmdVia(), "exec vcgencmd") || !strings.Contains(l.GencmdVia(), "/dev/vcio") {
		t.Fatalf("via %q", l.GencmdVia())
	}
	if _, lookErr := exec.LookPath("vcgencmd"); lookErr != nil && (err == nil || !strings.Contains(err.Error(), "vcgencmd")) {
		t.Fatalf("err %v, want the missing vcgencmd named", err)
	}
}
