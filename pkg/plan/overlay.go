package plan

// OverlayPlan is what config.txt and the live device tree must show.
type OverlayPlan struct {
	ConfigPath string `yaml:"config_path"`
}
