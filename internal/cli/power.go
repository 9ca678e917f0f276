package cli

import (
	"github.com/aihat/aihat/pkg/power"
	"github.com/aihat/aihat/pkg/report"
	"github.com/spf13/cobra"
)

// PowerRailsOptions are `aihat power rails`'s flags; zero values keep the
// plan's settings.
type PowerRailsOptions = power.RailsOptions

// PowerBudgetOptions are `aihat power budget`'s flags.
type PowerBudgetOptions struct {
	FromRun string
}

// newCmdPower builds the power commands. railsF, when not nil, receives
// `power rails`' options instead of running the stage (tests of flags →
// options use it, as cli/cli's NewCmdX(f, runF) does).
func newCmdPower(f *Factory, railsF func(*PowerRailsOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "power",
		Short: "Power rails, throttle flags and the power budget",
	}

	ro := &PowerRailsOptions{}
	rails := &cobra.Command{
		Use:   "rails",
		Short: "Sample the PMIC rails, hwmon and the plan's shunt monitors under load (step power.rails)",
		Long: `Set the load (idle, cpu, npu or both), then sample every rail the board reports over a
window: the Pi 5 PMIC ADC (vcgencmd pmic_read_adc; EXT5V is the 5 V input), hwmon
voltage/current/power inputs, and the INA219/INA226/INA260 monitors the plan lists.
Each planned rail is reported as min/mean/max and checked against the plan's voltage
and current limits; the minimum catches sags that last only a burst. The load returns
to idle afterwards.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := ro.Check(); err != nil {
				return usageErrorf("%v", err)
			}
			if railsF != nil {
				return railsF(ro)
			}
			return f.Session().RunStage(cmd.Context(), "power.rails", power.RailsStage(*ro))
		},
	}
	rails.Flags().IntVar(&ro.Samples, "samples", 0, "number of samples (default: the plan's power.samples)")
	rails.Flags().DurationVar(&ro.Interval, "interval", 0, "time between samples, e.g. 20ms (default: the plan's power.interval)")
	rails.Flags().StringVar(&ro.Load, "load", "", "load while sampling: idle, cpu, npu or both (default: the plan's power.load)")
	cmd.AddCommand(rails)

	cmd.AddCommand(&cobra.Command{
		Use:   "flags",
		Short: "Decode vcgencmd get_throttled and the rpi_volt under-voltage alarm (step power.flags)",
		Long: `Decode vcgencmd get_throttled into named flags (bits 0-3 now, 16-19 since boot:
under-voltage, Arm frequency capped, throttled, soft temperature limit) and read
rpi_volt's in0_lcrit_alarm. The plan's limits power.flags.<flag> decide which flags fail.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.Session().RunStage(cmd.Context(), "power.flags", nil)
		},
	})

	bo := &PowerBudgetOptions{}
	budget := &cobra.Command{
		Use:   "budget",
		Short: "Compute the power budget and check it against the plan's supply (step power.budget)",
		Long: `Add up the plan's per-component peak figures (power.budget.components), add the margin
(default 20 %), and give the current at the 5 V bus and from the declared supply
(a 5 V USB-C supply, or a 12/20 V input through a DC/DC with its efficiency). Fails
when the budget exceeds the supply. With --from-run, components that name a measured
source (pmic, or a monitor rail such as HAT_5V) use that run's power.rails means and
maxima as their steady and peak figures.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var o power.BudgetOptions // the plan's figures
			if bo.FromRun != "" {
				run, err := report.ReadJSONFile(bo.FromRun)
				if err != nil {
					return fileOrUsageErrorf(err, "--from-run: %v", err)
				}
				measured, err := power.MeasuredFromRun(run)
				if err != nil {
					return usageErrorf("--from-run %s: %v", bo.FromRun, err)
				}
				o.Measured = measured
			}
			return f.Session().RunStage(cmd.Context(), "power.budget", power.BudgetStage(o))
		},
	}
	budget.Flags().StringVar(&bo.FromRun, "from-run", "", "run record (JSON, from -o json or --report-dir) whose power.rails figures replace the plan's")
	cmd.AddCommand(budget)
	return cmd
}
