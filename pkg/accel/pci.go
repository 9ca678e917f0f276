package accel

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/aihat/aihat/pkg/plan"
)

// PCIDevicesDir is where the kernel lists the PCI bus.
const PCIDevicesDir = "sys/bus/pci/devices"

// Device is an accelerator found on the PCI bus.
type Device struct {
	Address      string // "0001:01:00.0"
	Vendor       uint16
	Device       uint16
	Chip         string // from the plan's table, or "" when unknown
	Driver       string // bound driver from uevent, or ""
	LinkSpeed    string // current_link_speed as read
	LinkWidth    string
	MaxLinkSpeed string
	MaxLinkWidth string
}

// FindAccelerator finds the first PCI device whose vendor is in the plan's
// id table (a known device id first). It returns nil when there is none;
// an error only when the PCI bus cannot be listed at all.
func FindAccelerator(fsys fs.FS, d plan.DriverPlan) (*Device, error) {
	entries, err := fs.ReadDir(fsys, PCIDevicesDir)
	if err != nil {
		if isNotExist(err) {
			return nil, fmt.Errorf("no /%s: cannot see the PCI bus (is sysfs mounted? is --root a Pi root filesystem?)", PCIDevicesDir)
		}
		return nil, fmt.Errorf("list /%s: %w", PCIDevicesDir, err)
	}
	vendors := map[uint16]bool{}
	for _, v := range d.Vendors() {
		vendors[v] = true
	}
	var best *Device
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		dir := path.Join(PCIDevicesDir, name)
		v, okV := readHex(fsys, dir+"/vendor")
		id, okD := readHex(fsys, dir+"/device")
		if !okV || !okD || !vendors[uint16(v)] {
			continue
		}
		dev := &Device{Address: name, Vendor: uint16(v), Device: uint16(id)}
		if e, ok := d.Lookup(dev.Vendor, dev.Device); ok {
			dev.Chip = e.Chip
		}
		dev.LinkSpeed = readTrim(fsys, dir+"/current_link_speed")
		dev.LinkWidth = readTrim(fsys, dir+"/current_link_width")
		dev.MaxLinkSpeed = readTrim(fsys, dir+"/max_link_speed")
		dev.MaxLinkWidth = readTrim(fsys, dir+"/max_link_width")
		if ue, err := fs.ReadFile(fsys, dir+"/uevent"); err == nil {
			for _, l := range strings.Split(string(ue), "\n") {
				if v, ok := strings.CutPrefix(l, "DRIVER="); ok {
					dev.Driver = v
				}
			}
		}
		if best == nil || (best.Chip == "" && dev.Chip != "") {
			best = dev
		}
	}
	return best, nil
}

func readTrim(fsys fs.FS, p string) string {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func readHex(fsys fs.FS, p string) (uint64, bool) {
	s := readTrim(fsys, p)
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 32)
	return v, err == nil && s != ""
}

// ParseLinkSpeed reads "8.0 GT/s PCIe" (or "8.0 GT/s", "8 GT/s") as GT/s.
func ParseLinkSpeed(s string) (float64, bool) {
	f := strings.Fields(s)
	if len(f) < 2 || f[1] != "GT/s" {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	return v, err == nil
}

// Gen returns the PCIe generation of a link speed in GT/s.
func Gen(gts float64) int {
	switch {
	case gts >= 32:
		return 5
	case gts >= 16:
		return 4
	case gts >= 8:
		return 3
	case gts >= 5:
		return 2
	case gts > 0:
		return 1
	}
	return 0
}

// genSpeed is the speed of a generation in GT/s.
var genSpeed = map[int]float64{1: 2.5, 2: 5.0, 3: 8.0, 4: 16.0, 5: 32.0}

// WantSpeed is the link speed the plan asks for, in GT/s: the floor of
// the marginal band of driver.check.pcie.link_speed when it has one (a
// plan that accepts Gen 2 as marginal), else its low bound; 8 GT/s
// (Gen 3) when the plan does not bound it.
func WantSpeed(p *plan.Plan) float64 {
	l := p.Limit(LinkSpeedKey)
	switch {
	case l != nil && l.MarginalLow != nil:
		return *l.MarginalLow
	case l != nil && l.Low != nil:
		return *l.Low
	}
	return 8.0
}

// LinkSpeedKey is the plan limit for the link speed: driver.check judges
// the trained link by it, and overlay.check a dtparam=pciex1_gen line.
const LinkSpeedKey = "driver.check.pcie.link_speed"

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
