package bringup

import "github.com/aihat/aihat/pkg/bench"

func init() { register("bench", bench.PlanStage) }
