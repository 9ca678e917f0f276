package metrics

import (
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/captures"
)

// nodeExporterChip is node_exporter's hwmon chip label (hwmonName in its
// collector/hwmon_linux.go) for a /sys/class/hwmon/hwmonN link target: the
// hwmon's device is the directory above hwmonN (and above the "hwmon"
// class directory a driver puts it in); the label is "<bus>_<device>",
// each part lower-cased with characters outside [a-z0-9:_] made "_".
func nodeExporterChip(target string) string {
	dev := path.Dir(target)
	if path.Base(dev) == "hwmon" {
		dev = path.Dir(dev)
	}
	clean := func(s string) string {
		return strings.Trim(regexp.MustCompile(`[^a-z0-9:_]`).ReplaceAllLiteralString(strings.ToLower(s), "_"), "_")
	}
	return clean(path.Base(path.Dir(dev))) + "_" + clean(path.Base(dev))
}

// TestFanChipIsNodeExportersOnAPi5: the chip label the fan's metrics carry
// is the one node_exporter gives the Pi 5's fan hwmon, from a posted
// `ls -l /sys/class/hwmon`.
func TestFanChipIsNodeExportersOnAPi5(t *testing.T) {
	cs, err := captures.Load("ls_-l_sys_class_hwmon")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		t.Fatal("no captures")
	}
	link := regexp.MustCompile(`(hwmon[0-9]+) -> (\S+)`)
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			fan := ""
			for _, m := range link.FindAllStringSubmatch(c.Text, -1) {
				chip := nodeExporterChip(m[2])
				if want := c.Expect["chip."+m[1]]; chip != want {
					t.Errorf("%s -> %s: chip %q, the capture's note says %q", m[1], m[2], chip, want)
				}
				if strings.Contains(m[2], "/cooling_fan/") {
					fan = chip
				}
			}
			if fan != fanChip {
				t.Errorf("the fan's chip is %q on this board, the exporter labels it %q", fan, fanChip)
			}
		})
	}
}
