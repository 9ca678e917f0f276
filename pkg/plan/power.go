package plan

// PowerPlan holds the power stage's settings (rails, monitors, budget).
type PowerPlan struct {
	Samples int `yaml:"samples,omitempty"`
}
