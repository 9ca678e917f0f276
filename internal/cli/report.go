package cli

import (
	"fmt"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/session"
	"github.com/spf13/cobra"
)

// ReportRenderOptions are `aihat report render`'s arguments.
type ReportRenderOptions struct {
	// Path is a report directory or a run record (run.json).
	Path string
}

// ReportDiffOptions are `aihat report diff`'s arguments.
type ReportDiffOptions struct {
	A, B      string
	Tolerance float64
	HTML      bool
}

func newCmdReport(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Stored runs: render a run record or a report directory, compare two runs",
	}
	opts := &ReportRenderOptions{}
	render := &cobra.Command{
		Use:   "render RUN.json|DIR",
		Short: "Print a stored run as table, json, junit, markdown or html; rebuild a report directory",
		Long: `render prints a stored run in any output format (-o, or --format: table, json, junit,
md|markdown, html). Given a run record (a run.json), it reads it. Given a report
directory, it rebuilds the directory's report set (run.json, junit.xml, report.md,
report.html) from its journal (journal.jsonl) and prints the run: after a run that was
killed, crashed or lost power before it wrote its reports (the run is then ABORTED,
with everything it measured up to the journal's last good line), or to write them
again. A directory without a journal is rebuilt from its run.json (adding the files
an older aihat did not write).`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			return reportRender(f, opts)
		},
	}
	addRunOutput(render, f)
	// --format is -o under the name the report tools use; both set one value.
	render.Flags().Var(render.Flags().Lookup("output").Value, "format", "output format, the same as -o")
	cmd.AddCommand(render, newCmdReportDiff(f, nil))
	return cmd
}

func reportRender(f *Factory, o *ReportRenderOptions) error {
	format, err := report.ParseFormat(f.Global.Output)
	if err != nil {
		return usageErrorf("-o: %v", err)
	}
	r, note, err := session.Render(o.Path)
	if err != nil {
		return err
	}
	if err := report.Write(f.IO.Out, r, format, report.TableOptions{Color: f.IO.Color(), Width: f.IO.Width}); err != nil {
		return err
	}
	fmt.Fprintln(f.IO.ErrOut, note)
	return nil
}

func newCmdReportDiff(f *Factory, runF func(*ReportDiffOptions) error) *cobra.Command {
	opts := &ReportDiffOptions{}
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two runs measurement by measurement and print what moved",
		Long: `diff compares two stored runs (run.json files or report directories) measurement by
measurement: a golden board against a new one, or one board before and after a change.
It prints each number that moved by more than --tolerance of the larger of the two
values, each other value that differs, each verdict that changed, and each measurement
only one run has. Exit 0 when nothing moved, 1 when something did.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.A, opts.B = args[0], args[1]
			if opts.Tolerance < 0 || opts.Tolerance >= 1 {
				return usageErrorf("--tolerance %g: want a fraction from 0 to below 1 (0.05 is 5 %%)", opts.Tolerance)
			}
			if runF != nil {
				return runF(opts)
			}
			return reportDiff(f, opts)
		},
	}
	cmd.Flags().Float64Var(&opts.Tolerance, "tolerance", 0.05, "a number moved when it changed by more than this fraction of the larger value (0.05 = 5 %)")
	cmd.Flags().BoolVar(&opts.HTML, "html", false, "print the comparison as a self-contained HTML page")
	addTextOutput(cmd, "use --html for a page")
	return cmd
}

func reportDiff(f *Factory, o *ReportDiffOptions) error {
	a, err := report.ReadRun(o.A)
	if err != nil {
		return &ExitError{Code: report.ExitError, Err: err}
	}
	b, err := report.ReadRun(o.B)
	if err != nil {
		return &ExitError{Code: report.ExitError, Err: err}
	}
	rows := report.Diff(a, b, o.Tolerance)
	if o.HTML {
		err = report.WriteDiffHTML(f.IO.Out, a, b, rows, o.Tolerance)
	} else {
		err = report.WriteDiffTable(f.IO.Out, a, b, rows, o.Tolerance, f.IO.Width)
	}
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		return &ExitError{Code: report.ExitFail}
	}
	return nil
}
