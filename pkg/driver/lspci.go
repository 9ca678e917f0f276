package driver

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// LspciDevice is one device of `lspci -vv` (also -vvv, -k, -nn): what a
// person pastes when asked whether the accelerator enumerated and at what
// link. The sysfs files FindAccelerator reads say the same for a live
// board; this reads the text people post and tools capture.
type LspciDevice struct {
	Address string // as printed: "0001:01:00.0", or "08:00.0" without a domain
	Class   string // "Co-processor"
	ClassID string // "0b40" with -nn, else ""
	Name    string // "Hailo Technologies Ltd. Hailo-10H AI Processor"
	// VendorID and DeviceID are the hex ids lspci -nn prints after the
	// name ("1e60", "45c4"), or lspci's "Device 1e60:45c4" for an id its
	// pci.ids does not name; "" when the output has neither.
	VendorID, DeviceID string
	Rev                string // "01"
	Subsystem          string
	Driver             string   // "Kernel driver in use:", "" when none is bound
	Modules            []string // "Kernel modules:", the drivers that could bind it
	// LnkCap is what the device can do, LnkSta what the link trained to.
	LnkCap, LnkSta Link
}

// Link is a LnkCap or LnkSta line: "Speed 8GT/s, Width x4" and, on LnkSta,
// lspci's own "(downgraded)" marks.
type Link struct {
	Set      bool    // the line was in the output
	SpeedGTs float64 // GT/s; 0 when lspci printed "Speed unknown"
	Width    int     // lanes; 0 when not printed
	// SpeedDowngraded and WidthDowngraded are lspci's "(downgraded)"
	// marks (pciutils 3.6 and later compare LnkSta with LnkCap itself).
	SpeedDowngraded, WidthDowngraded bool
}

// String is "8GT/s x1", or "unknown" for a line the output did not have.
func (l Link) String() string {
	if !l.Set {
		return "unknown"
	}
	speed := "unknown"
	if l.SpeedGTs > 0 {
		speed = strconv.FormatFloat(l.SpeedGTs, 'g', -1, 64) + "GT/s"
	}
	return fmt.Sprintf("%s x%d", speed, l.Width)
}

// Downgraded reports whether the link trained below what the device can
// do: lspci marked LnkSta "(downgraded)", or, when both lines are there,
// LnkSta is slower or narrower than LnkCap (older lspci prints no marks).
// A device behind the Pi 5's single-lane connector is downgraded in width
// whenever the device has more lanes: that is the connector, not a fault.
func (d LspciDevice) Downgraded() bool {
	if !d.LnkSta.Set {
		return false
	}
	if d.LnkSta.SpeedDowngraded || d.LnkSta.WidthDowngraded {
		return true
	}
	if !d.LnkCap.Set {
		return false
	}
	return d.LnkSta.SpeedGTs < d.LnkCap.SpeedGTs || d.LnkSta.Width < d.LnkCap.Width
}

// IsHailo reports whether the device is a Hailo accelerator: vendor id
// 1e60 (Hailo Technologies), or a name that says Hailo when -nn was not
// given.
func (d LspciDevice) IsHailo() bool {
	return strings.EqualFold(d.VendorID, "1e60") || strings.Contains(d.Name, "Hailo")
}

var (
	// A device line starts at column 0 with the address:
	// "0001:01:00.0 Co-processor [0b40]: Hailo ... [1e60:45c4] (rev 01) (prog-if 00 [...])".
	reLspciHead = regexp.MustCompile(`^((?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+([^:\[]+?)(?:\s+\[([0-9a-fA-F]{4})\])?:\s*(.*)$`)
	reProgIf    = regexp.MustCompile(`\s*\(prog-if [^()]*(?:\([^()]*\)[^()]*)*\)$`)
	reRev       = regexp.MustCompile(`\s*\(rev ([0-9a-fA-F]+)\)$`)
	reIDs       = regexp.MustCompile(`\s*\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]$`)
	reBareIDs   = regexp.MustCompile(`^Device ([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$`)
	reLnkSpeed  = regexp.MustCompile(`Speed (unknown|[0-9.]+GT/s)(?: \((ok|downgraded)\))?`)
	reLnkWidth  = regexp.MustCompile(`Width x([0-9]+)(?: \((ok|downgraded)\))?`)
)

// ParseLspci reads `lspci -vv` output (any of -v/-vv/-vvv, with or without
// -nn and -k), as a terminal shows it or as people paste it: indented with
// tabs or with spaces, trimmed by grep, with shell prompts around it.
// Lines before the first device line and lines it does not know are
// ignored. It fails only when the output holds no device line.
func ParseLspci(out string) ([]LspciDevice, error) {
	var devs []LspciDevice
	var d *LspciDevice
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		raw := strings.TrimSuffix(sc.Text(), "\r")
		if raw == "" {
			continue
		}
		if raw[0] != ' ' && raw[0] != '\t' {
			if m := reLspciHead.FindStringSubmatch(raw); m != nil {
				devs = append(devs, parseLspciHead(m))
				d = &devs[len(devs)-1]
			}
			// A prompt or a note between devices ends nothing: the
			// next indented lines still belong to the device above.
			continue
		}
		if d == nil {
			continue
		}
		key, val, ok := strings.Cut(strings.TrimSpace(raw), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "Subsystem":
			d.Subsystem = val
		case "Kernel driver in use":
			d.Driver = val
		case "Kernel modules":
			for _, m := range strings.Split(val, ",") {
				if m = strings.TrimSpace(m); m != "" {
					d.Modules = append(d.Modules, m)
				}
			}
		case "LnkCap":
			d.LnkCap = parseLink(val)
		case "LnkSta":
			d.LnkSta = parseLink(val)
		}
	}
	if len(devs) == 0 {
		return nil, fmt.Errorf("lspci: no device line (\"<bus>:<dev>.<fn> <class>: <name>\") in %q: run `lspci -vv` (as root, or the link lines read \"<access denied>\")", firstLine(out))
	}
	return devs, nil
}

func parseLspciHead(m []string) LspciDevice {
	d := LspciDevice{Address: m[1], Class: strings.TrimSpace(m[2]), ClassID: strings.ToLower(m[3])}
	name := strings.TrimSpace(reProgIf.ReplaceAllString(m[4], ""))
	if r := reRev.FindStringSubmatch(name); r != nil {
		d.Rev = r[1]
		name = strings.TrimSpace(strings.TrimSuffix(name, r[0]))
	}
	if ids := reIDs.FindStringSubmatch(name); ids != nil {
		d.VendorID, d.DeviceID = strings.ToLower(ids[1]), strings.ToLower(ids[2])
		name = strings.TrimSpace(strings.TrimSuffix(name, ids[0]))
	} else if ids := reBareIDs.FindStringSubmatch(name); ids != nil {
		// lspci without -nn names an id its pci.ids lacks "Device 1e60:45c4".
		d.VendorID, d.DeviceID = strings.ToLower(ids[1]), strings.ToLower(ids[2])
	}
	d.Name = name
	return d
}

// parseLink reads "Port #0, Speed 8GT/s, Width x4, ASPM L0s L1, ..." or
// "Speed 5GT/s (downgraded), Width x2 (downgraded)".
func parseLink(val string) Link {
	l := Link{Set: true}
	if m := reLnkSpeed.FindStringSubmatch(val); m != nil {
		if m[1] != "unknown" {
			l.SpeedGTs, _ = strconv.ParseFloat(strings.TrimSuffix(m[1], "GT/s"), 64)
		}
		l.SpeedDowngraded = m[2] == "downgraded"
	}
	if m := reLnkWidth.FindStringSubmatch(val); m != nil {
		l.Width, _ = strconv.Atoi(m[1])
		l.WidthDowngraded = m[2] == "downgraded"
	}
	return l
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
