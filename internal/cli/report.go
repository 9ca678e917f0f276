package cli

import (
	"fmt"

	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/report"
	"github.com/spf13/cobra"
)

// ReportRenderOptions are `aihat report render`'s arguments.
type ReportRenderOptions struct {
	Dir    string
	Output string
}

func newCmdReport(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Stored runs: rebuild a report directory from its journal",
	}
	opts := &ReportRenderOptions{}
	render := &cobra.Command{
		Use:   "render DIR",
		Short: "Rebuild run.json, junit.xml and report.md in DIR from its journal",
		Long: `Every run with --report-dir keeps a journal (journal.jsonl) as it goes. render rebuilds
the directory's report set from it, and prints the run: after a run that was killed,
crashed or lost power before it wrote its reports (the run is then ABORTED, with
everything it measured up to the journal's last good line), or to write them again.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			return reportRender(f, opts)
		},
	}
	addRunOutput(render, f)
	cmd.AddCommand(render)
	return cmd
}

func reportRender(f *Factory, o *ReportRenderOptions) error {
	r, st, err := journal.Render(o.Dir)
	if err != nil {
		return &ExitError{Code: report.ExitError, Err: err}
	}
	format, err := report.ParseFormat(f.Global.Output)
	if err != nil {
		return usageErrorf("-o: %v", err)
	}
	if err := report.Write(f.IO.Out, r, format, report.TableOptions{Color: f.IO.Color()}); err != nil {
		return err
	}
	note := ""
	if st.Torn {
		note += "; its torn last line was skipped"
	}
	if st.Bad > 0 {
		note += fmt.Sprintf("; %d damaged line(s) skipped (%s)", st.Bad, st.LastBad)
	}
	fmt.Fprintf(f.IO.ErrOut, "rendered %s from %s (%d lines%s)\n", o.Dir, journal.FileName, st.Lines, note)
	return nil
}
