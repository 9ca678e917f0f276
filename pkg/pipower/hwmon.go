package pipower

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// HwmonChannel is one hwmon voltage, current or power input in SI units.
type HwmonChannel struct {
	Device string  // hwmon name file, "rpi_volt"
	Dir    string  // "sys/class/hwmon/hwmon2"
	File   string  // "in0_input"
	Label  string  // in0_label, or the file's stem
	Unit   string  // V, A or W
	Value  float64 // in Unit

	scale float64 // file units per Unit (mV, mA, µW)
}

// Hwmon is what the hwmon class shows about power.
type Hwmon struct {
	Channels []HwmonChannel
	// RPiVoltAlarm is rpi_volt's in0_lcrit_alarm (under-voltage since
	// boot); RPiVoltFound says whether rpi_volt exists at all.
	RPiVoltAlarm bool
	RPiVoltFound bool
	// Ignored lists the hwmon devices with inputs that are not power
	// monitors ("rp1_adc (sys/class/hwmon/hwmon1)"): their in*_input are
	// ADC pins, temperatures or fan feedback, not rails.
	Ignored []string
}

// IsPowerMonitor reports whether an hwmon device name is a power monitor
// whose in/curr/power inputs are rails: the INA2xx/INA3221 family of shunt
// monitors (ina209, ina219, ina226, ina230, ina231, ina238, ina260,
// ina3221, ...). rpi_volt is read for its under-voltage alarm only; the RP1
// ADC (rp1_adc), cpu_thermal and pwmfan are not power rails.
func IsPowerMonitor(name string) bool {
	rest, ok := strings.CutPrefix(name, "ina")
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ReadHwmon scans sys/class/hwmon/hwmon*/ in fsys for the power monitors'
// in*_input (mV), curr*_input (mA) and power*_input (µW) with their labels,
// and rpi_volt's in0_lcrit_alarm, and reads them once. chips names further
// hwmon devices whose inputs count as rails (the plan's
// power.hwmon_chips). A missing hwmon class is not an error (none found).
func ReadHwmon(fsys fs.FS, chips ...string) (*Hwmon, error) {
	h, err := FindHwmon(fsys, chips...)
	if err != nil {
		return nil, err
	}
	return h, h.Read(fsys)
}

// Read refreshes the channels' values: the per-sample part of a scan, so
// a sampling loop finds the devices, files and labels once (FindHwmon)
// and then reads only the *_input files.
func (h *Hwmon) Read(fsys fs.FS) error {
	for i := range h.Channels {
		c := &h.Channels[i]
		raw := readTrim(fsys, path.Join(c.Dir, c.File))
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("%s/%s: %q is not a number", c.Dir, c.File, raw)
		}
		c.Value = n / c.scale
	}
	return nil
}

// FindHwmon discovers the hwmon power channels (without reading their
// values) and reads rpi_volt's alarm. Only power monitors (IsPowerMonitor)
// and the chips named count; other devices with inputs go to h.Ignored.
func FindHwmon(fsys fs.FS, chips ...string) (*Hwmon, error) {
	h := &Hwmon{}
	const root = "sys/class/hwmon"
	ents, err := fs.ReadDir(fsys, root)
	if err != nil {
		return h, nil
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "hwmon") {
			continue
		}
		dir := path.Join(root, e.Name())
		name := readTrim(fsys, path.Join(dir, "name"))
		files, err := fs.ReadDir(fsys, dir)
		if err != nil {
			continue
		}
		if name == "rpi_volt" {
			h.RPiVoltFound = true
			if v := readTrim(fsys, path.Join(dir, "in0_lcrit_alarm")); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, fmt.Errorf("%s/in0_lcrit_alarm: %q is not 0 or 1", dir, v)
				}
				h.RPiVoltAlarm = n != 0
			}
		}
		if !IsPowerMonitor(name) && !slices.Contains(chips, name) {
			for _, f := range files {
				if strings.HasSuffix(f.Name(), "_input") {
					h.Ignored = append(h.Ignored, fmt.Sprintf("%s (%s)", name, dir))
					break
				}
			}
			continue
		}
		for _, f := range files {
			fn := f.Name()
			var unit string
			var scale float64
			switch {
			case strings.HasPrefix(fn, "in") && strings.HasSuffix(fn, "_input"):
				unit, scale = "V", 1e3
			case strings.HasPrefix(fn, "curr") && strings.HasSuffix(fn, "_input"):
				unit, scale = "A", 1e3
			case strings.HasPrefix(fn, "power") && strings.HasSuffix(fn, "_input"):
				unit, scale = "W", 1e6
			default:
				continue
			}
			stem := strings.TrimSuffix(fn, "_input")
			label := readTrim(fsys, path.Join(dir, stem+"_label"))
			if label == "" {
				label = stem
			}
			h.Channels = append(h.Channels, HwmonChannel{Device: name, Dir: dir, File: fn, Label: label, Unit: unit, scale: scale})
		}
	}
	sort.Slice(h.Channels, func(i, j int) bool {
		a, b := h.Channels[i], h.Channels[j]
		if a.Dir != b.Dir {
			return a.Dir < b.Dir
		}
		return a.File < b.File
	})
	return h, nil
}

func readTrim(fsys fs.FS, p string) string {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
