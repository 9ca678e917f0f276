package cli

import (
	"github.com/aihat/aihat/pkg/i2c"
	"github.com/spf13/cobra"
)

// I2CScanOptions are `aihat i2c scan`'s flags: i2c.scan's options.
type I2CScanOptions = i2c.ScanOptions

func newCmdI2C(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "i2c",
		Short: "I2C bus checks",
	}
	opts := &I2CScanOptions{}
	scan := &cobra.Command{
		Use:   "scan",
		Short: "Probe I2C buses as i2cdetect does and compare with the plan's expected devices (step i2c.scan)",
		Long: `Probe every address 0x03-0x77 as i2cdetect does (a read byte in 0x30-0x37 and 0x50-0x5f,
an SMBus quick write elsewhere) and compare what answers with the devices the plan
expects. Bus 0 is i2c_vc (the HAT ID pins), bus 1 is i2c_arm (GPIO2/3).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// No --bus: the plan's buses.
			return f.Session().RunStage(cmd.Context(), "i2c.scan", i2c.ScanStage(*opts))
		},
	}
	scan.Flags().IntSliceVar(&opts.Buses, "bus", nil, "bus number(s) to scan (default: the buses the plan lists)")
	cmd.AddCommand(scan)
	return cmd
}
