package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/spf13/cobra"
)

func newCmdSim(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "The simulated Raspberry Pi 5 + AI HAT+ 2",
	}
	var faultsOut string
	faults := &cobra.Command{
		Use:   "faults",
		Short: "List the faults --fault can inject and what each breaks",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if faultsOut == "json" {
				type fault struct {
					Name   string `json:"name"`
					Breaks string `json:"breaks"`
				}
				list := []fault{}
				for _, flt := range sim.Catalogue() {
					list = append(list, fault{flt.Name, flt.Breaks})
				}
				return writeJSON(f.IO.Out, list)
			}
			w := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "FAULT\tBREAKS")
			width := breaksWidth(f.IO.Width)
			for _, flt := range sim.Catalogue() {
				// A continuation line's empty first cell keeps it under BREAKS.
				name := flt.Name
				for _, line := range report.WrapText(flt.Breaks, width) {
					fmt.Fprintf(w, "%s\t%s\n", name, line)
					name = ""
				}
			}
			return w.Flush()
		},
	}
	addOutputFlag(faults, &faultsOut, "table", "json")
	cmd.AddCommand(faults)
	status := &cobra.Command{
		Use:   "status",
		Short: "Print the simulated board's model state (temperatures, clocks, fan, supply)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, faults, err := f.Session().SimStatus()
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "time       %s\nfaults     %v\nSoC        %.1f °C\nNPU        %.1f °C\nArm clock  %.0f MHz\nfan        PWM %d, %d rpm\ninput      %.3f V, %.2f W\nthrottled  0x%x\n",
				s.Time.Format("2006-01-02T15:04:05Z07:00"), faults, s.SoCTempC, s.NPUTempC, s.ArmHz/1e6, s.FanPWM, s.FanRPM, s.InputVolts, s.InputWatts, s.Throttled)
			return nil
		},
	}
	addTextOutput(status, "")
	cmd.AddCommand(status)
	return cmd
}

// breaksWidth is what `sim faults`'s BREAKS column wraps to so that its
// lines fit width (0: no limit): the rest after the widest fault name
// and tabwriter's two-space gap.
func breaksWidth(width int) int {
	if width <= 0 {
		return 0
	}
	name := len("FAULT")
	for _, flt := range sim.Catalogue() {
		name = max(name, len(flt.Name))
	}
	return max(width-name-2, 10)
}
