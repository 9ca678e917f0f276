package cli

import (
	"encoding/json"

	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/report"
	"github.com/spf13/cobra"
)

// StagesOptions are `aihat stages`'s flags.
type StagesOptions struct {
	// Output is the -o format: table or json.
	Output string
}

// stageInfo is one row of `aihat stages`.
type stageInfo struct {
	Name     string   `json:"name"`
	Summary  string   `json:"summary"`
	Section  string   `json:"plan_section"`
	InPlan   bool     `json:"in_plan"`
	Measures []string `json:"measurements"`
}

func newCmdStages(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "stages",
		Short: "List the stages in plan order with what each checks",
		Long: `List the stages this build has, in the effective plan's order (stages the plan does not
run follow, in table order), with a one-line summary, the plan section each reads and the
measurement names its limits are keyed by (limits: <stage>.<measurement>; * is any one
name segment). -o json prints the same as a JSON array.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return stagesRun(f, StagesOptions{Output: f.Global.Output})
		},
	}
}

func stagesRun(f *Factory, opts StagesOptions) error {
	p, err := f.Session().Plan()
	if err != nil {
		return err
	}
	var rows []stageInfo
	seen := map[string]bool{}
	add := func(name string, inPlan bool) {
		s, ok := bringup.Lookup(name)
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		rows = append(rows, stageInfo{Name: s.Name, Summary: s.Summary, Section: s.Section, InPlan: inPlan, Measures: s.Measures})
	}
	for _, n := range p.Stages {
		add(n, true)
	}
	for _, n := range bringup.Names() {
		add(n, false)
	}
	switch opts.Output {
	case "json":
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "table", "":
		t := report.NewTable(f.IO.Out, f.IO.Width, "stage", "plan", "summary")
		for _, r := range rows {
			in := "yes"
			if !r.InPlan {
				in = "no"
			}
			t.Append(r.Name, in, r.Summary)
		}
		return t.Render()
	}
	return usageErrorf("-o %q: aihat stages prints table or json", opts.Output)
}
