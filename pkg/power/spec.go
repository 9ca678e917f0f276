package power

import (
	"github.com/aihat/aihat/pkg/pipower"
	"github.com/aihat/aihat/pkg/stage"
)

// RailsSpec is power.rails as a stage value for the stage table.
// Measurements are named <rail>.<what> (EXT5V.v_min, HAT_5V.a_max).
func RailsSpec() stage.Stage {
	return stage.Stage{
		Name:    "power.rails",
		Summary: "PMIC ADC rails, hwmon and INA2xx shunt monitors under load: min/mean/max per rail against the plan",
		Section: "power",
		Measures: []string{"*.monitor_present", "*.read_errors", "*.present", "pmic.total_w.mean", "pmic.total_w.max",
			"*.v_min", "*.v_mean", "*.v_max", "*.a_mean", "*.a_max", "*.w_mean", "*.w_max"},
		Run: RailsStage(RailsOptions{}),
	}
}

// FlagsSpec is power.flags as a stage value for the stage table.
func FlagsSpec() stage.Stage {
	m := []string{"throttled_raw", "rpi_volt_alarm"}
	for _, b := range pipower.ThrottleBits {
		m = append(m, b.Name)
	}
	return stage.Stage{
		Name:     "power.flags",
		Summary:  "vcgencmd get_throttled bits (now and since boot) and the rpi_volt under-voltage alarm",
		Section:  "power",
		Measures: m,
		Run:      flagsRun,
	}
}

// BudgetSpec is power.budget as a stage value for the stage table.
func BudgetSpec() stage.Stage {
	return stage.Stage{
		Name:    "power.budget",
		Summary: "worst case + margin, current at the bus voltage, against the declared supply",
		Section: "power",
		Measures: []string{"idle_w", "steady_w", "worst_case_w", "margin", "budget_w", "bus_current_a",
			"supply_w", "supply_current_a", "headroom_w"},
		Run: BudgetStage(BudgetOptions{}),
	}
}
