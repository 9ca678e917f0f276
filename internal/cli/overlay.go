package cli

import (
	"github.com/spf13/cobra"
)

func newCmdOverlay(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "overlay",
		Short: "Device-tree overlay checks",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Check config.txt, the overlays and the live device tree against the plan (step overlay.check)",
		Long: `Read boot/firmware/config.txt as the Pi firmware does (comments, [pi5]/[all]/[cm5] ...
sections, of which only those for a Pi 5 count, include files, dtoverlay= and dtparam=
lines) and check that the overlays the plan expects are configured and installed, the
dtparams it needs are set, the live device tree (/proc/device-tree, or
/sys/firmware/devicetree/base) has the nodes it expects, and /proc/device-tree/hat agrees
with the HAT's identity. Malformed config lines are reported with file and line.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.Session().RunStage(cmd.Context(), "overlay.check", nil)
		},
	})
	return cmd
}
