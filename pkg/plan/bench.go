package plan

// BenchPlan holds the model benchmark's settings.
type BenchPlan struct {
	Synth string `yaml:"synth,omitempty"`
}
