package plan

// OverlayPlan is what config.txt and the live device tree must show.
type OverlayPlan struct {
	// ConfigPath is the firmware's config file under the board's root.
	ConfigPath string `yaml:"config_path"`
	// OverlaysDir holds the .dtbo files the firmware loads.
	OverlaysDir string `yaml:"overlays_dir,omitempty"`
	// Overlays are the dtoverlay= names that must be configured (in a
	// section that applies to a Pi 5) and have their .dtbo installed.
	Overlays []string `yaml:"overlays,omitempty"`
	// DTParams are the dtparam= settings that must be configured.
	DTParams []DTParamSpec `yaml:"dtparams,omitempty"`
	// Nodes are device-tree nodes the live tree must have.
	Nodes []DTNodeSpec `yaml:"nodes,omitempty"`
	// HATNode: proc/device-tree/hat must exist and agree with the HAT's
	// identity (the EEPROM read in the same run, else the plan's hat:).
	HATNode bool `yaml:"hat_node"`
}

// DTParamSpec is one expected dtparam. Names lists the parameter and its
// aliases (pciex1 = nvme on a Pi 5); Value "" accepts a bare boolean
// parameter ("dtparam=pciex1") or "on".
type DTParamSpec struct {
	Names []string `yaml:"names"`
	Value string   `yaml:"value,omitempty"`
	// Why is shown in the failure message.
	Why string `yaml:"why,omitempty"`
}

// Name is the parameter's primary name.
func (d DTParamSpec) Name() string {
	if len(d.Names) == 0 {
		return ""
	}
	return d.Names[0]
}

// DTNodeSpec is one expected device-tree node. Paths are tried in order
// (node names change between kernels: axi/pcie@1000110000 on 6.12,
// axi/pcie@110000 on older trees); the first that exists is checked.
type DTNodeSpec struct {
	Name  string   `yaml:"name"`
	Paths []string `yaml:"paths"`
	// Compatible and Status moved to limits
	// (overlay.check.dt.<name>.compatible / .status: {equals: ...}); kept
	// only to name the new keys when an old plan sets them.
	Compatible string `yaml:"compatible,omitempty"`
	Status     string `yaml:"status,omitempty"`
	// Cells are properties of the node recorded as numbers (big-endian
	// cells, e.g. max-link-speed, num-lanes), not judged.
	Cells []string `yaml:"cells,omitempty"`
	// Why is shown in the failure message.
	Why string `yaml:"why,omitempty"`
}
