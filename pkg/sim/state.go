package sim

import (
	"io/fs"
	"time"
)

// State is what the simulated board is: how it is installed (files,
// modules, devices) and the knobs of its physical model. The board is built
// healthy; faults change fields of State before the board starts answering,
// and every file and command output is rendered from it.
type State struct {
	// Installation, as the firmware and kernel would present it.
	Model      string // /proc/device-tree/model
	Compatible []string
	Serial     string // 16 hex digits
	Kernel     string // proc/sys/kernel/osrelease
	BootID     string // proc/sys/kernel/random/boot_id: new each boot
	Firmware   string // vcgencmd version, first line date
	ConfigTxt  string // boot/firmware/config.txt
	// ExtraFiles are more files under the root (e.g. included config files,
	// overlays), path → content.
	ExtraFiles map[string]string
	// Overlays present under boot/firmware/overlays, name → .dtbo bytes.
	Overlays map[string][]byte
	// DT holds extra device-tree properties, path under proc/device-tree →
	// raw property bytes (strings NUL-terminated, cells big-endian).
	DT map[string][]byte
	// HatNode is /proc/device-tree/hat as the firmware writes it from the
	// EEPROM; nil when no HAT was found.
	HatNode map[string]string
	// Modules are the loaded kernel modules (proc/modules), with versions
	// where the module has one (sys/module/<name>/version).
	Modules map[string]string
	// DevNodes are the character devices under dev/, path → node.
	DevNodes map[string]DevNode
	// PCIe is the accelerator on the external port; nil when the link is
	// down and the device does not enumerate.
	PCIe *PCIeDevice

	// EEPROMImage is what the HAT's 24C32 holds at power-on.
	EEPROMImage []byte
	// EEPROMPresent is false when the chip does not answer on the bus.
	EEPROMPresent bool
	// EEPROMStuck makes the chip ignore writes (WP tied high on the board).
	EEPROMStuck bool
	// EEPROMWPLine is the header GPIO wired to the EEPROM's WP pin; the pin
	// is pulled up (protected) unless the line is driven low.
	EEPROMWPLine int

	// Physical model knobs.
	AmbientC float64
	// SupplyV is the supply's open-circuit voltage at the USB-C input and
	// SupplyOhm the source resistance that makes it sag under load.
	SupplyV   float64
	SupplyOhm float64
	// BurstSagV is an extra sag during NPU power bursts (brownout faults).
	BurstSagV float64
	// RailScale scales a PMIC rail's voltage (1.0 when absent), for
	// rail-out-of-range faults; keys are rail names like "VDD_CORE".
	RailScale map[string]float64
	// FanStalled: the fan is driven but does not turn.
	FanStalled bool
	// FanWearPerHour: the fan loses this fraction of its speed (and of
	// its airflow) each hour since power-on (a wearing bearing).
	FanWearPerHour float64
	// NPUThermalOhm is the NPU die's thermal resistance to air in K/W
	// (heatsink contact); poor contact raises it.
	NPUThermalOhm float64
	// MaxCurrentmA is /proc/device-tree/chosen/power/max_current.
	MaxCurrentmA uint32

	// Stage-specific knobs: each stage's issue adds its fields under its
	// own marker, so parallel work does not touch the same lines.

	// eeprom stage (issue 3).

	// overlay and driver stages (issue 4).

	// power stage (issue 5).

	// bench stage (issue 6).

	// loadtest (issue 16): the long-run faults, onsets counted from
	// power-on so a test can bring them into a short virtual run.
	Loadtest LoadtestFaults
}

// LoadtestFaults are the knobs of the faults only a long run sees. Zero
// values are a healthy board.
type LoadtestFaults struct {
	// ServerLeakPerHour is how many bytes the inference server's
	// resident set grows each hour from LeakOnset on.
	ServerLeakPerHour float64
	LeakOnset         time.Duration
	// NodeGoneAt is when the NPU's driver resets after power-on: its
	// device node is gone for NodeGoneFor (0: never).
	NodeGoneAt, NodeGoneFor time.Duration
	// Brown-outs: from BrownoutOnset on, the supply drops BrownoutSagV
	// for BrownoutFor about every BrownoutEvery (seeded jitter).
	BrownoutOnset, BrownoutEvery, BrownoutFor time.Duration
	BrownoutSagV                              float64
}

// DevNode is a character device node under dev/.
type DevNode struct {
	Mode  fs.FileMode // permission bits
	UID   uint32
	GID   uint32
	Major uint32
	Minor uint32
}

// PCIeDevice is a device on the Pi 5's external PCIe port.
type PCIeDevice struct {
	Address      string // "0001:01:00.0"
	Vendor       uint16
	Device       uint16
	Class        uint32
	LinkSpeed    string // "8.0 GT/s PCIe"
	LinkWidth    int
	MaxLinkSpeed string
	MaxLinkWidth int
}

// Group ids the simulated root filesystem uses (Raspberry Pi OS values).
const (
	GIDVideo = 44
	GIDI2C   = 998
	GIDGPIO  = 997
)

func healthyState(eeprom []byte, serial string) *State {
	return &State{
		Model:      "Raspberry Pi 5 Model B Rev 1.0",
		Compatible: []string{"raspberrypi,5-model-b", "brcm,bcm2712"},
		Serial:     serial,
		Kernel:     "6.12.47+rpt-rpi-2712",
		Firmware:   "2025/05/08 15:13:17",
		ConfigTxt:  defaultConfigTxt,
		ExtraFiles: map[string]string{},
		Overlays:   map[string][]byte{"vc4-kms-v3d-pi5": stockDTBO(), "dwc2": stockDTBO()},
		DT: map[string][]byte{
			"axi/pcie@1000110000/compatible":     []byte("brcm,bcm2712-pcie\x00"),
			"axi/pcie@1000110000/status":         []byte("okay\x00"),
			"axi/pcie@1000110000/max-link-speed": {0, 0, 0, 3},
			"axi/pcie@1000110000/num-lanes":      {0, 0, 0, 1},
		},
		HatNode: map[string]string{
			"vendor":      "Raspberry Pi Ltd",
			"product":     "AI HAT+ 2",
			"product_id":  "0x0010",
			"product_ver": "0x0002",
			"uuid":        "5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31",
		},
		Modules: map[string]string{
			"hailo1x_pci":       "5.1.1",
			"rp1_pio":           "",
			"i2c_dev":           "",
			"pwm_fan":           "",
			"raspberrypi_hwmon": "",
		},
		DevNodes: map[string]DevNode{
			"dev/hailo0":    {Mode: 0o666, UID: 0, GID: 0, Major: 508, Minor: 0},
			"dev/i2c-0":     {Mode: 0o660, UID: 0, GID: GIDI2C, Major: 89, Minor: 0},
			"dev/i2c-1":     {Mode: 0o660, UID: 0, GID: GIDI2C, Major: 89, Minor: 1},
			"dev/gpiochip0": {Mode: 0o660, UID: 0, GID: GIDGPIO, Major: 254, Minor: 0},
		},
		PCIe: &PCIeDevice{
			Address: "0001:01:00.0", Vendor: 0x1e60, Device: 0x45c4, Class: 0x120000,
			LinkSpeed: "8.0 GT/s PCIe", LinkWidth: 1, MaxLinkSpeed: "8.0 GT/s PCIe", MaxLinkWidth: 1,
		},
		EEPROMImage:   eeprom,
		EEPROMPresent: true,
		EEPROMWPLine:  4,
		AmbientC:      25,
		SupplyV:       5.10,
		SupplyOhm:     0.012,
		RailScale:     map[string]float64{},
		NPUThermalOhm: 4.0,
		MaxCurrentmA:  5000,
	}
}

// defaultConfigTxt is Raspberry Pi OS bookworm's stock config.txt
// (pi-gen tag 2025-05-13-raspios-bookworm-arm64, the same file as
// testdata/captures/config.txt/raspios-bookworm-2025-05-13.txt): no line
// for the AI HAT+ 2, which the firmware sets up from its EEPROM.
const defaultConfigTxt = `# For more options and information see
# http://rptl.io/configtxt
# Some settings may impact device functionality. See link above for details

# Uncomment some or all of these to enable the optional hardware interfaces
#dtparam=i2c_arm=on
#dtparam=i2s=on
#dtparam=spi=on

# Enable audio (loads snd_bcm2835)
dtparam=audio=on

# Additional overlays and parameters are documented
# /boot/firmware/overlays/README

# Automatically load overlays for detected cameras
camera_auto_detect=1

# Automatically load overlays for detected DSI displays
display_auto_detect=1

# Automatically load initramfs files, if found
auto_initramfs=1

# Enable DRM VC4 V3D driver
dtoverlay=vc4-kms-v3d
max_framebuffers=2

# Don't have the firmware create an initial video= setting in cmdline.txt.
# Use the kernel's default instead.
disable_fw_kms_setup=1

# Run in 64-bit mode
arm_64bit=1

# Disable compensation for displays with overscan
disable_overscan=1

# Run as fast as firmware / board allows
arm_boost=1

[cm4]
# Enable host mode on the 2711 built-in XHCI USB controller.
# This line should be removed if the legacy DWC2 controller is required
# (e.g. for USB device mode) or if USB support is not required.
otg_mode=1

[cm5]
dtoverlay=dwc2,dr_mode=host

[all]
`
