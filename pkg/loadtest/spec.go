package loadtest

import "github.com/aihat/aihat/pkg/stage"

// Spec is loadtest.run as a stage value for the stage table. It is not in
// the default plan's stages: it runs for a day, on `aihat loadtest`.
func Spec() stage.Stage {
	return stage.Stage{
		Name:    "loadtest.run",
		Summary: "hours of inference with health checks every interval; the NPU's outages, failed work and brown-outs counted from every sweep; leak and drift slopes (Theil–Sen, 95 % interval) of RSS, fds, MemAvailable, Slab, fan, p99 latency and error rate",
		Section: "loadtest",
		Measures: []string{"sweeps", "health_checks", "health_failures", "work", "requests",
			"npu_outage", "workload_errors", "undervoltage_episodes",
			"mem_available_slope", "slab_slope", "fan_rpm_full_slope", "*.rss_slope", "*.fds_slope", "latency_p99_slope", "error_rate_slope",
			"outages", "outage_time", "reboots", "coverage"},
		Run: stage.Planned(planOptions, RunStage),
	}
}
