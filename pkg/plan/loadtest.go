package plan

import (
	"fmt"
	"time"
)

// LoadtestPlan holds loadtest.run's settings. The load test is not in the
// default bring-up's stages: it runs for a day or more, on its own
// command (`aihat loadtest`), after bring-up passed.
type LoadtestPlan struct {
	// Duration is the whole run (24h); Interval the sampling period (1s);
	// HealthEvery the health-check period (10m); Warmup the start left out
	// of the slopes (1h: caches fill, the model loads); Window the width
	// of the windows whose medians the slopes are fitted to (10m).
	Duration    string `yaml:"duration,omitempty"`
	Interval    string `yaml:"interval,omitempty"`
	HealthEvery string `yaml:"health_every,omitempty"`
	Warmup      string `yaml:"warmup,omitempty"`
	Window      string `yaml:"window,omitempty"`
	// Runtime is the load: "model" (the board's own load model: the sim)
	// or "ollama" (Endpoint, Model: an Ollama-compatible server).
	Runtime  string `yaml:"runtime,omitempty"`
	Endpoint string `yaml:"endpoint,omitempty"`
	Model    string `yaml:"model,omitempty"`
}

// LoadtestDurations are the parsed durations of a LoadtestPlan.
type LoadtestDurations struct {
	Duration, Interval, HealthEvery, Warmup, Window time.Duration
}

// Durations parses the plan's durations, defaults for the empty ones.
func (l LoadtestPlan) Durations() (LoadtestDurations, error) {
	d := LoadtestDurations{Duration: 24 * time.Hour, Interval: time.Second, HealthEvery: 10 * time.Minute,
		Warmup: time.Hour, Window: 10 * time.Minute}
	for _, f := range []struct {
		name, s string
		v       *time.Duration
	}{{"duration", l.Duration, &d.Duration}, {"interval", l.Interval, &d.Interval}, {"health_every", l.HealthEvery, &d.HealthEvery},
		{"warmup", l.Warmup, &d.Warmup}, {"window", l.Window, &d.Window}} {
		if f.s == "" {
			continue
		}
		v, err := time.ParseDuration(f.s)
		if err != nil || v < 0 || v == 0 && f.name != "warmup" {
			return d, fmt.Errorf("loadtest.%s %q: want a positive duration such as 10m", f.name, f.s)
		}
		*f.v = v
	}
	return d, nil
}
