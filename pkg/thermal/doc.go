// Package thermal is the thermal soak (thermal.soak): an idle baseline,
// load until the SoC reaches steady state (decided by the slope of its
// temperature, not a timer), an optional cooldown; a first-order fit of
// the heating curve; the fan against its curve; and the bring-up guide's
// fan and workload policy, with a governor that lowers the load's duty
// cycle above the policy's limit (never through cpufreq). It samples the
// board through pkg/telemetry and loads it through pkg/workload.
package thermal
