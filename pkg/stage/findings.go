package stage

// Findings are what the stages of one run found that later stages read,
// typed: a stage reads a field, not a string key another stage may have
// spelt differently. Each field says which stage sets it; a zero value
// (or nil) means that stage did not run or did not find it.
type Findings struct {
	// Board is set by board.identify.
	Board BoardIdentity
	// HAT is the identity decoded from the HAT+ ID EEPROM, set by
	// eeprom.verify; overlay.check compares the device tree's hat node
	// with it (the one place that comparison is made).
	HAT *HATIdentity
	// DT is what overlay.check read from config.txt and the live tree.
	DT DTFindings
	// Driver is what driver.check found.
	Driver DriverFindings
	// NPU is the accelerator's identity from `hailortcli fw-control
	// identify`, set by driver.check; bench picks its commands by Arch.
	NPU *NPUIdentity
	// Power holds power.rails' figures in W, for the budget.
	Power PowerFindings
}

// BoardIdentity is the board under test.
type BoardIdentity struct {
	Model, Serial, Kernel, Firmware string
}

// HATIdentity is a HAT+ EEPROM's vendor atom and overlay name.
type HATIdentity struct {
	Vendor     string
	Product    string
	ProductID  uint16
	ProductVer uint16
	UUID       string
	Overlay    string
}

// DTFindings are facts from config.txt and the live device tree.
type DTFindings struct {
	// ConfigPath is the config.txt read, rooted ("/boot/firmware/config.txt").
	ConfigPath string
	// PCIeX1Gen is dtparam=pciex1_gen's value as configured, "" when unset.
	PCIeX1Gen string
	// Cells are recorded node properties, keyed "<node>.<property>"
	// ("pcie1.max-link-speed").
	Cells map[string]uint32
}

// DriverFindings are facts driver.check established.
type DriverFindings struct {
	KernelRelease string
	Module        string
	// Version is the module's version ("5.3.0"), "" when unknown.
	Version     string
	PCIeAddress string
	LinkSpeed   string
	// DevNode is the device node found, rooted ("/dev/h1x-0").
	DevNode string
}

// NPUIdentity is what the NPU says about itself.
type NPUIdentity struct {
	Arch     string
	Firmware string
}

// PowerFigures are a source's mean and maximum power in W.
type PowerFigures struct {
	MeanW, MaxW float64
}

// PowerFindings are power.rails' results.
type PowerFindings struct {
	// PMIC is the PMIC rails' total; nil when not measured.
	PMIC *PowerFigures
	// Rails are the power monitors' rails by name (HAT_5V).
	Rails map[string]PowerFigures
}
