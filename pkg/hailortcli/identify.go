package hailortcli

import (
	"bufio"
	"fmt"
	"strings"
)

// Arch is the Device Architecture `fw-control identify` prints: HAILO8,
// HAILO8L, HAILO8R, HAILO10H, HAILO15H, HAILO15L, HAILO15M, MARS (the
// Hailo-12L in HailoRT 5.x), Unknown.
type Arch string

// Architectures the bench and driver stages tell apart.
const (
	Hailo8   Arch = "HAILO8"
	Hailo8L  Arch = "HAILO8L"
	Hailo8R  Arch = "HAILO8R"
	Hailo10H Arch = "HAILO10H"
)

// HailoRT4 reports whether the device is one that HailoRT 4.x drives (the
// Hailo-8 family, hailo_pci): its hailortcli has `run --measure-temp` and the
// three-phase benchmark. Every other architecture on a PCIe port is a
// HailoRT 5.x device (hailo1x_pci), whose hailortcli refuses `run` on it
// ("Use run2 instead") and reports the temperature in the benchmark.
func (a Arch) HailoRT4() bool {
	switch a {
	case Hailo8, Hailo8L, Hailo8R:
		return true
	}
	return false
}

// Identity is `hailortcli fw-control identify`. Fields the device leaves
// empty are "" whether hailortcli printed "<N/A>" (before HailoRT 4.22) or
// left the line out (4.22 and 5.x).
type Identity struct {
	Device          string // "0001:01:00.0", from "Executing on device:"
	ControlProtocol string // "2"
	Firmware        string // "5.1.1 (release,app)" as printed
	FirmwareVersion string // "5.1.1"
	LoggerVersion   string
	BoardName       string
	Arch            Arch
	Serial          string
	Part            string
	Product         string
}

// notConfigured is what HailoRT before 4.22 prints for an empty field.
const notConfigured = "<N/A>"

// ParseIdentify reads `hailortcli fw-control identify` output. It fails only
// when the output has no Device Architecture line (not identify output, or
// hailortcli found no device); unknown lines are ignored.
func ParseIdentify(out string) (Identity, error) {
	var id Identity
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		key, val, ok := strings.Cut(strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r")), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if val == notConfigured {
			val = ""
		}
		switch strings.TrimSpace(key) {
		case "Executing on device":
			id.Device = val
		case "Control Protocol Version":
			id.ControlProtocol = val
		case "Firmware Version":
			id.Firmware = val
			id.FirmwareVersion, _, _ = strings.Cut(val, " ")
		case "Logger Version":
			id.LoggerVersion = val
		case "Board Name":
			id.BoardName = val
		case "Device Architecture":
			id.Arch = Arch(val)
		case "Serial Number":
			id.Serial = val
		case "Part Number":
			id.Part = val
		case "Product Name":
			id.Product = val
		}
	}
	if id.Arch == "" {
		return id, fmt.Errorf("hailortcli fw-control identify: no \"Device Architecture:\" line in %q", firstLine(out))
	}
	return id, nil
}

// Fields returns the identity as ordered name/value pairs, absent fields
// left out, for a run record.
func (id Identity) Fields() [][2]string {
	var f [][2]string
	for _, kv := range [][2]string{
		{"arch", string(id.Arch)}, {"firmware_version", id.FirmwareVersion}, {"board_name", id.BoardName},
		{"serial", id.Serial}, {"part_number", id.Part}, {"product_name", id.Product},
	} {
		if kv[1] != "" {
			f = append(f, kv)
		}
	}
	return f
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
