package cli

import (
	"context"
	"fmt"

	"github.com/aihat/aihat/internal/cmdutil"
	"github.com/aihat/aihat/internal/completion"
	"github.com/aihat/aihat/pkg/report"
	"github.com/spf13/cobra"
)

// Main runs aihat with args and returns the process exit code. Errors are
// printed as one line on stderr, never as a stack trace.
func Main(ctx context.Context, args []string, io *IOStreams, build BuildInfo) int {
	return MainOn(ctx, SystemHost(), args, io, build)
}

// MainOn is Main on the given host: what --target auto sees is host's,
// so tests can stand on a Pi 5, an Arm board or a workstation.
func MainOn(ctx context.Context, host Host, args []string, io *IOStreams, build BuildInfo) int {
	// Help lists commands in the order NewRootCmd adds them (the stage
	// table's order), not by name. cobra has this switch only as a
	// package variable; Main is the one place that sets it.
	cobra.EnableCommandSorting = false
	f := &Factory{IO: io, Build: build, Host: host}
	defer f.Close()
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	err := root.ExecuteContext(ctx)
	code, msg := exitCode(err)
	if msg != "" {
		fmt.Fprintf(io.ErrOut, "aihat: %s\n", report.TermSafeLines(msg))
		if code == 64 {
			fmt.Fprintln(io.ErrOut, "Run 'aihat --help' for usage.")
		}
	}
	return code
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "aihat",
		Short: "Bring up and validate a Raspberry Pi 5 with the AI HAT+ 2",
		Long: `aihat brings up and validates a Raspberry Pi 5 with the AI HAT+ 2 (Hailo-10H NPU on
PCIe, HAT+ ID EEPROM on I2C), stage by stage, and says PASS or FAIL with numbers and
limits. Run it on the Pi (--target linux), against a tree captured from one
(--target fixture --root DIR), or on the simulated board (--target sim) with faults
to inject.

Exit codes: 0 PASS, 1 FAIL, 2 ERROR, 3 ABORTED, 64 usage error.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// aihat --version: what `aihat version` prints, on one line.
		// Every numeric and list flag given is held to its range (exit
		// 64), then station defaults fill the flags a command was not given.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := cmdutil.CheckFlags(cmd.Flags(), cmdutil.FlagRanges); err != nil {
				return err
			}
			return f.applyStation(cmd)
		},
		Version: fmt.Sprintf("%s (commit %s, %s)", f.Build.Version, f.Build.Commit, goVersion()),
	}
	root.SetVersionTemplate("aihat {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	g := &f.Global
	pf := root.PersistentFlags()
	pf.StringVar(&g.Target, "target", "auto", "board to test: linux (this Pi's kernel), fixture (replay --root DIR), sim (simulated), or auto (linux on a Raspberry Pi 5, an error on another Arm host, sim elsewhere)")
	pf.StringVar(&g.Root, "root", "", "captured tree to replay with --target fixture (a Pi 5 root filesystem with .aihat/ captures)")
	pf.StringArrayVar(&g.Faults, "fault", nil, "inject a fault into the simulated board (repeatable; see 'aihat sim faults')")
	pf.Int64Var(&g.Seed, "seed", 1, "seed of the simulated board (same seed, same readings)")
	pf.Float64Var(&g.TimeScale, "time-scale", 0, "pace the simulated clock: N virtual seconds per real second (0: as fast as possible)")
	pf.StringVar(&g.PlanFile, "plan", "", "YAML test plan merged over the default plan")
	pf.StringVar(&g.Serial, "serial", "", "serial number of the board under test (default: read from the board)")
	pf.StringVar(&g.Station, "station", "", "test station name, recorded in reports")
	pf.StringVar(&g.Operator, "operator", "", "operator name, recorded in reports")
	pf.StringVar(&g.ReportDir, "report-dir", "", "also keep the run's record (run.json, junit.xml, report.md, report.html, metrics.txt, journal) in DIR/<serial>/<run-id>/, with DIR/latest pointing at it")
	pf.BoolVar(&g.ReportDirFlat, "report-dir-flat", false, "write the record straight into --report-dir (fixed paths for CI; the next run replaces it)")
	pf.BoolVar(&g.Strict, "strict", false, "a marginal pass fails")
	pf.BoolVarP(&g.Verbose, "verbose", "v", false, "on stderr: each step's start, log lines and end (outcome, duration), stamped with the board clock")

	// One explicit list, in the order help shows it: the run, the stage
	// table, the stage commands in table order, then the tools.
	root.AddCommand(
		newCmdBringup(f),
		newCmdStages(f),
		newCmdEEPROM(f),
		newCmdI2C(f),
		newCmdOverlay(f),
		newCmdDriver(f),
		newCmdPower(f, nil),
		newCmdBench(f, nil),
		newCmdThermal(f, nil),
		newCmdLoadtest(f, nil),
		newCmdModel(f),
		newCmdPlan(f),
		newCmdSim(f),
		newCmdReport(f),
		newCmdStation(f),
		newCmdVersion(f),
	)
	outputEverywhere(root, f)
	completion.Register(root)
	return root
}
