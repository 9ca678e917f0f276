package driver

import (
	"strconv"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/captures"
)

// TestLspciCorpus runs every real `lspci -vv` capture through ParseLspci
// and checks what its .SOURCE states about the Hailo device in it.
func TestLspciCorpus(t *testing.T) {
	cs, err := captures.Load("lspci_-vv")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			devs, err := ParseLspci(c.Text)
			if want, ok := c.Expect["error"]; ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err %v, the capture states %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var h *LspciDevice
			for i := range devs {
				if devs[i].IsHailo() {
					h = &devs[i]
					break
				}
			}
			if h == nil {
				t.Fatalf("no Hailo device among %d", len(devs))
			}
			for k, want := range c.Expect {
				var got string
				switch k {
				case "devices":
					got = strconv.Itoa(len(devs))
				case "address":
					got = h.Address
				case "class":
					got = h.Class
				case "class_id":
					got = h.ClassID
				case "name":
					got = h.Name
				case "ids":
					got = "none"
					if h.VendorID != "" {
						got = h.VendorID + ":" + h.DeviceID
					}
				case "rev":
					got = h.Rev
				case "subsystem":
					got = h.Subsystem
				case "driver":
					got = h.Driver
				case "modules":
					got = strings.Join(h.Modules, ",")
				case "lnkcap":
					got = h.LnkCap.String()
				case "lnksta":
					got = h.LnkSta.String()
				case "downgraded":
					got = strconv.FormatBool(h.Downgraded())
				default:
					t.Fatalf("unknown expect key %q", k)
				}
				if got != want {
					t.Errorf("%s = %q, the capture states %q", k, got, want)
				}
			}
		})
	}
}

// TestParseLspciFormats: the header and link forms of pciutils' lspci
// (ls-kernel.c, lspci.c, ls-caps.c) that the corpus does not all show.
// These are format cases written from the tool's source, not captures.
func TestParseLspciFormats(t *testing.T) {
	out := "$ sudo lspci -nn -vv -s 0001:01:00.0\n" +
		"0001:01:00.0 Co-processor [0b40]: Device [1e60:45c4] (rev 01) (prog-if 00 [Unknown (00)])\n" +
		"        Subsystem: Device [1e60:45c4]\n" +
		"                LnkCap: Port #0, Speed 8GT/s, Width x4, ASPM L0s L1, Exit Latency L0s <1us, L1 <2us\n" +
		"                LnkSta: Speed 8GT/s, Width x1, TrErr- Train- SlotClk+ DLActive- BWMgmt- ABWMgmt-\n" +
		"                LnkCap2: Supported Link Speeds: 2.5-8GT/s, Crosslink- Retimer- 2Retimers- DRS-\n" +
		"                LnkSta2: Current De-emphasis Level: -6dB\n" +
		"        Kernel modules: hailo1x_pci\n" +
		"\n" +
		"0000:01:00.0 Ethernet controller: Device 1de4:0001\n" +
		"\tCapabilities: <access denied>\n"
	devs, err := ParseLspci(out)
	if err != nil || len(devs) != 2 {
		t.Fatalf("%d devices, %v", len(devs), err)
	}
	h := devs[0]
	if h.Address != "0001:01:00.0" || h.Class != "Co-processor" || h.ClassID != "0b40" || h.Name != "Device" ||
		h.VendorID != "1e60" || h.DeviceID != "45c4" || h.Rev != "01" || !h.IsHailo() {
		t.Fatalf("head %+v", h)
	}
	// Older lspci prints no "(downgraded)": the width is compared with LnkCap.
	if h.LnkCap.String() != "8GT/s x4" || h.LnkSta.String() != "8GT/s x1" || h.LnkSta.WidthDowngraded || !h.Downgraded() {
		t.Fatalf("link %+v %+v", h.LnkCap, h.LnkSta)
	}
	if h.Driver != "" || strings.Join(h.Modules, ",") != "hailo1x_pci" {
		t.Fatalf("no driver bound, one module: %q %v", h.Driver, h.Modules)
	}
	// Without -nn an unnamed id is "Device 1de4:0001"; as a user, no link lines.
	e := devs[1]
	if e.VendorID != "1de4" || e.DeviceID != "0001" || e.IsHailo() || e.LnkSta.Set || e.Downgraded() || e.LnkSta.String() != "unknown" {
		t.Fatalf("second %+v", e)
	}

	l := parseLink("Speed unknown (downgraded), Width x0 (downgraded)")
	if !l.Set || l.SpeedGTs != 0 || l.Width != 0 || !l.SpeedDowngraded || !l.WidthDowngraded || l.String() != "unknown x0" {
		t.Fatalf("link down: %+v", l)
	}
	if l := parseLink("Speed 2.5GT/s (ok), Width x1 (ok)"); l.SpeedGTs != 2.5 || l.SpeedDowngraded || l.WidthDowngraded {
		t.Fatalf("gen 1: %+v", l)
	}
}

// TestParseLspciNoDevice: output that holds no device line (lspci found
// nothing, or something else was captured) is an error naming what was read.
func TestParseLspciNoDevice(t *testing.T) {
	for _, out := range []string{"", "\n\n", "pcilib: Cannot open /proc/bus/pci\nlspci: Cannot find any working access method.\n", "\tLnkSta:\tSpeed 8GT/s, Width x1\n"} {
		devs, err := ParseLspci(out)
		if err == nil || devs != nil || !strings.Contains(err.Error(), "no device line") {
			t.Errorf("%q: %v %v", out, devs, err)
		}
	}
}

// FuzzParseLspci: any text, real captures as seeds, parses without a panic,
// and every device it returns has an address and a link that says "unknown"
// or names a width.
func FuzzParseLspci(f *testing.F) {
	cs, err := captures.Load("lspci_-vv")
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cs {
		f.Add(c.Text)
	}
	f.Add("0001:01:00.0 Co-processor [0b40]: Device [1e60:45c4] (rev 01) (prog-if 00 [Unknown (00)])\n\tLnkSta:\tSpeed unknown, Width x0\n")
	f.Fuzz(func(t *testing.T, out string) {
		devs, err := ParseLspci(out)
		if err != nil {
			return
		}
		for _, d := range devs {
			if d.Address == "" {
				t.Fatalf("device without an address: %+v", d)
			}
			if s := d.LnkSta.String(); s != "unknown" && !strings.Contains(s, " x") {
				t.Fatalf("LnkSta %q", s)
			}
			_ = d.Downgraded()
		}
	})
}
