package thermal

import "github.com/aihat/aihat/pkg/stage"

// SoakSpec is thermal.soak as a stage value for the stage table.
func SoakSpec() stage.Stage {
	return stage.Stage{
		Name:    "thermal.soak",
		Summary: "idle baseline, sustained load to steady state, first-order fit, throttling, fan against its curve, workload policy",
		Section: "thermal",
		Measures: []string{"idle_temp", "steady_reached", "steady_temp", "tau", "fit_residual", "soc_temp_peak", "npu_temp_peak",
			"rise_over_ambient", "time_to_soft_throttle", "time_to_80c", "throttled_time", "arm_clock_min", "arm_clock_mean",
			"throughput_ratio", "throughput_mean", "energy_per_work", "fan.stall", "fan.rpm.*", "fan.follows_curve",
			"policy.held_below_limit"},
		Run: SoakStage(SoakOptions{}),
	}
}
