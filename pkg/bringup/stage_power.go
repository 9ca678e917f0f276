package bringup

import "github.com/aihat/aihat/pkg/power"

func init() {
	register("power.rails", power.RailsStage)
	register("power.flags", power.FlagsStage)
	register("power.budget", power.BudgetStage)
}
