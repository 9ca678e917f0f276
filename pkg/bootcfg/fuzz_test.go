package bootcfg

import (
	"strings"
	"testing"
)

// FuzzParse: no input makes Parse panic, loop, or report a warning at a
// line the input does not have.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"dtparam=pciex1\ndtoverlay=hailo-ai-hat2\n",
		"[pi4]\ndtoverlay=a,b=1\n[all]\ninclude self.txt\n",
		"[gpio4=1]\n[cm5]\ndtoverlay=dwc2:dr_mode=host\n",
		"dtparam=a,,b\n=\n[x\ninclude\n",
		"dtoverlay=\ndtparam=i2c_arm=on\n\r\n#",
		"[all]\nkernel=vmlinuz\ninitramfs initrd.img followkernel\n[pi5]\ndtparam=pciex1\n",
		"[EDID=A-B]\n[board-type=0x17]\n[0x1234]\n[HDMI:1]\n[tryboot]\n[partition=2]\ninitramfs a,b 0x800000\n",
		"initramfs\ninitramfs=x y\n[gpio4=2]\nenable_uart 1\ngpu_mem=16 # x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		read := func(name string) ([]byte, error) { return data, nil } // every include includes itself
		c := Parse("config.txt", data, read, Pi5())
		lines := strings.Count(string(data), "\n") + 1
		for _, w := range c.Warnings {
			if w.Line < 1 || w.Line > lines || w.Msg == "" {
				t.Fatalf("warning %v outside the input's %d lines", w, lines)
			}
		}
		if len(c.Files) > MaxIncludeDepth+1 {
			t.Fatalf("read %d files", len(c.Files))
		}
	})
}
