package plan

// DriverPlan is the kernel driver, device node and PCIe link expected.
type DriverPlan struct {
	Module string `yaml:"module"`
}
