package board

import (
	"bufio"
	"bytes"
	"io/fs"
	"strings"

	"github.com/aihat/aihat/pkg/devicetree"
)

// Pi5Model is how a Raspberry Pi 5's model string begins: "Raspberry Pi 5
// Model B Rev 1.0" in the device tree and in /proc/cpuinfo (see
// testdata/captures/proc_cpuinfo). The space keeps a longer number that
// merely starts with 5 from passing for a Pi 5.
const Pi5Model = "Raspberry Pi 5 "

// Identity is what a host says it is, and where it said so.
type Identity struct {
	Model  string // "Raspberry Pi 5 Model B Rev 1.0"; empty when nothing names one
	Source string // "/proc/device-tree/model", "/proc/cpuinfo"; empty with Model
}

// IsPi5 reports whether the model names a Raspberry Pi 5.
func (id Identity) IsPi5() bool { return strings.HasPrefix(id.Model, Pi5Model) }

// DetectModel asks the host whose "/" is fsys what board it is: the live
// device tree's model (proc/device-tree, else sys/firmware/devicetree/base),
// else the "Model" line the Raspberry Pi kernel adds to /proc/cpuinfo (a
// container may have /proc but no device tree). The "Hardware" line is not
// read: it says BCM2835 on every Pi since kernel 4.9, the Pi 5 included.
func DetectModel(fsys fs.FS) Identity {
	if t, err := devicetree.Open(fsys); err == nil {
		if m, err := t.String("model"); err == nil && m != "" {
			return Identity{Model: m, Source: "/" + t.Path("model")}
		}
	}
	if b, err := fs.ReadFile(fsys, "proc/cpuinfo"); err == nil {
		if m := CPUInfoModel(b); m != "" {
			return Identity{Model: m, Source: "/proc/cpuinfo"}
		}
	}
	return Identity{}
}

// CPUInfoModel returns the value of /proc/cpuinfo's "Model" line, or "".
// Keys are padded with tabs by the kernel and with spaces in many posts.
func CPUInfoModel(cpuinfo []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "Model" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
