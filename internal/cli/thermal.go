package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aihat/aihat/pkg/session"
	"github.com/aihat/aihat/pkg/termline"
	"github.com/aihat/aihat/pkg/thermal"
	"github.com/spf13/cobra"
)

// ThermalSoakOptions are `aihat thermal soak`'s flags; zero values keep
// the plan's thermal section.
type ThermalSoakOptions = thermal.SoakOptions

// newCmdThermal builds the thermal commands. soakF, when not nil, receives
// `thermal soak`'s options instead of running the stage (flags → options
// tests).
func newCmdThermal(f *Factory, soakF func(*ThermalSoakOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "thermal",
		Short: "Thermal soak, fan curve and the thermal policy",
	}
	cmd.AddCommand(newCmdThermalSoak(f, soakF), newCmdThermalFanConfig(f), newCmdThermalPolicy(f))
	return cmd
}

// newCmdThermalSoak builds `thermal soak`. soakF, when not nil, receives
// the options instead of running the soak (tests of flags → options).
func newCmdThermalSoak(f *Factory, soakF func(*ThermalSoakOptions) error) *cobra.Command {
	o := &ThermalSoakOptions{}
	soak := &cobra.Command{
		Use:   "soak",
		Short: "Idle baseline, sustained load to steady state, fit, throttling and fan (step thermal.soak)",
		Long: `Sample the SoC temperature (and the NPU's where the target gives it), the real ARM
clock (measure_clock arm), get_throttled, the PMIC rails and the fan through an idle
baseline, then under load (cpu: a numeric kernel on every core; npu/both on the sim: the
model) until the temperature's slope over the plan's window is flat or --duration ends,
then an optional cooldown. Reports idle and steady-state temperature with a first-order
fit (T∞, τ, residual; the predicted T∞ when the run ends early), peaks, time to the first
soft throttle and to 80 °C, time throttled, the ARM clock under load, throughput while
throttled over throughput while not, energy per unit of work, the fan's rpm at each PWM
step, a stall, and whether the fan follows the plan's curve. Above the policy's limit the
load's duty cycle is cut (never through cpufreq) and restored below it, each action an
event. With --report-dir the plots are written there as thermal.soak.svg and .png.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fl := cmd.Flags().Lookup("ambient"); fl != nil && fl.Changed {
				o.HasAmbient = true
			}
			if err := o.Check(); err != nil {
				return usageErrorf("%v", err)
			}
			if soakF != nil {
				return soakF(o)
			}
			env, err := f.Session().ProgressEnv() // one line per minute of the soak
			if err != nil {
				return err
			}
			run := *o
			if f.IO.ErrTTY && !f.Global.Verbose {
				run.Live = liveSoakLine(cmd.Context(), f.IO.ErrOut)
			}
			return f.Session().Run(cmd.Context(), env, session.Step("thermal.soak", thermal.SoakStage(run)))
		},
	}
	fl := soak.Flags()
	fl.StringVar(&o.Load, "load", "", "load: cpu, npu or both (default: the plan's thermal.load)")
	fl.DurationVar(&o.Duration, "duration", 0, "longest load phase, e.g. 30m; it ends earlier at steady state (default: the plan's thermal.duration)")
	fl.DurationVar(&o.Idle, "idle", 0, "idle baseline before the load, e.g. 2m (default: the plan's thermal.idle)")
	fl.DurationVar(&o.Cooldown, "cooldown", 0, "idle phase after the load, e.g. 5m (default: the plan's thermal.cooldown)")
	fl.DurationVar(&o.Interval, "interval", 0, "time between samples, e.g. 1s (default: the plan's thermal.interval)")
	fl.Float64Var(&o.AmbientC, "ambient", 0, "room temperature in °C: adds the rise over ambient")
	fl.Float64Var(&o.Duty, "duty", 0, "the load's starting duty cycle, 0-1 (default 1)")
	fl.BoolVar(&o.NoGovernor, "no-governor", false, "do not cut the load above the policy's limit")
	return soak
}

// newCmdThermalFanConfig builds `thermal fan-config`.
func newCmdThermalFanConfig(f *Factory) *cobra.Command {
	var curve string
	fan := &cobra.Command{
		Use:   "fan-config",
		Short: "Print the config.txt lines that make the Pi 5's fan follow the plan",
		Long: `Print the dtparam lines (fan_temp0..3, fan_temp0..3_hyst, fan_temp0..3_speed; millidegrees
Celsius and PWM 0-255) that set the kernel's fan curve, one comment per line. --curve
policy (default) derives the curve from the plan's thermal.policy (fan from
passive_below_c, full speed at full_fan_at_c, four equal steps); --curve plan prints the
plan's thermal.fan curve (the Pi 5 defaults unless the plan changes them).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if curve != "policy" && curve != "plan" {
				return usageErrorf("--curve %q: want policy or plan", curve)
			}
			p, err := f.Session().Plan()
			if err != nil {
				return err
			}
			c, why := p.Thermal.Fan, "the plan's thermal.fan curve"
			if curve == "policy" {
				pol := p.Thermal.Policy
				if c, err = thermal.PolicyCurve(pol); err != nil {
					return usageErrorf("%v", err)
				}
				why = fmt.Sprintf("the plan's policy: passive below %g °C, rising linearly to full at %g °C", pol.PassiveBelowC, pol.FullFanAtC)
			}
			fmt.Fprint(f.IO.Out, thermal.FanConfig(c, why))
			if curve == "policy" {
				fmt.Fprintln(f.IO.Out, "# Then give the plan the same curve (thermal.fan.trips) so thermal.soak checks the fan against it.")
			}
			return nil
		},
	}
	fan.Flags().StringVar(&curve, "curve", "policy", "which curve: policy or plan")
	addTextOutput(fan, "the lines go to stdout: redirect them into a file")
	return fan
}

// newCmdThermalPolicy builds `thermal policy`.
func newCmdThermalPolicy(f *Factory) *cobra.Command {
	policy := &cobra.Command{
		Use:   "policy",
		Short: "Print the plan's thermal policy (fan and workload)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.Session().Plan()
			if err != nil {
				return err
			}
			pol := p.Thermal.Policy
			gov := "on"
			if !pol.Governor {
				gov = "off"
			}
			fmt.Fprintf(f.IO.Out, "below %g °C: passive (no fan)\n%g-%g °C: fan speed rises linearly to full ('aihat thermal fan-config' prints the config.txt lines)\nabove %g °C: the soak's governor halves the load's duty cycle (down to %g), restoring it below %g °C; governor %s\n",
				pol.PassiveBelowC, pol.PassiveBelowC, pol.FullFanAtC, pol.ReduceAboveC, pol.MinDuty, pol.ReduceAboveC-pol.HysteresisC, gov)
			return nil
		},
	}
	addTextOutput(policy, "the policy goes to stdout")
	return policy
}

// liveSoakLine is the soak's live line on a terminal: a bar over the
// planned time (idle + load + cooldown; a soak that reaches steady state
// early completes it), with elapsed and left, temperature, ARM clock, fan
// and throughput. The times are the board's clock (virtual on the sim).
func liveSoakLine(ctx context.Context, w io.Writer) func(thermal.Status) {
	bar := termline.NewBar(ctx, w, "thermal.soak ")
	return func(s thermal.Status) {
		if s.Done {
			// On Ctrl-C ctx is cancelled, the bar with it: End returns too.
			bar.End(int64(s.Elapsed / time.Second))
			return
		}
		left := max(s.Planned-s.Elapsed, 0)
		bar.Update(int64(s.Elapsed/time.Second), int64(s.Planned/time.Second), []string{
			fmt.Sprintf("%-8s %s / ≤%s left", s.Phase, s.Elapsed.Round(time.Second), left.Round(time.Second)),
			fmt.Sprintf("SoC %.1f °C", s.SoCC),
			fmt.Sprintf("ARM %.2f GHz", s.ARMHz/1e9),
			fmt.Sprintf("duty %.2f", s.Duty),
			fmt.Sprintf("fan %.0f rpm (PWM %.0f)", s.FanRPM, s.FanPWM),
			fmt.Sprintf("%.3g %s", s.Throughput, s.Unit),
		})
	}
}
