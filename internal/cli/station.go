package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/station"
	"github.com/spf13/cobra"
)

// applyStation fills the global flags a command was not given from the
// station's settings (files, then AIHAT_* variables), and records where
// each effective value came from for `aihat station show`.
func (f *Factory) applyStation(cmd *cobra.Command) error {
	getenv := f.getenv()
	host := f.Host
	if host.FS == nil {
		host = SystemHost()
	}
	s, err := station.Load(host.FS, getenv)
	if err != nil {
		return usageErrorf("%v", err)
	}
	dst := map[string]*string{"station": &f.Global.Station, "operator": &f.Global.Operator,
		"plan": &f.Global.PlanFile, "report_dir": &f.Global.ReportDir}
	for _, k := range station.Keys {
		p, ok := dst[k.Name]
		if !ok {
			continue
		}
		if fl := cmd.Flags().Lookup(strings.TrimPrefix(k.Flag, "--")); fl != nil && fl.Changed {
			s[k.Name] = station.Setting{Value: *p, Source: "flag " + k.Flag}
			continue
		}
		if v := s[k.Name].Value; v != "" {
			*p = v
		}
	}
	if fl := cmd.Flags().Lookup("serial"); fl != nil && fl.Changed {
		s["serial_source"] = station.Setting{Value: "--serial " + f.Global.Serial, Source: "flag --serial"}
	}
	f.Station = s
	// A resumed load test refuses board flags that name another board.
	f.given = map[string]bool{}
	for _, name := range []string{"target", "seed", "fault"} {
		f.given[name] = cmd.Flags().Changed(name)
	}
	return nil
}

func newCmdStation(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "station",
		Short: "A test station's defaults: station, operator, plan, report directory, serial source",
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective station settings and where each came from",
		Long: `A station's defaults come from /etc/aihat/station.yaml, then
$XDG_CONFIG_HOME/aihat/station.yaml (~/.config when unset), then the AIHAT_STATION,
AIHAT_OPERATOR, AIHAT_PLAN, AIHAT_REPORT_DIR and AIHAT_SERIAL_SOURCE environment
variables, then the flags (--station, --operator, --plan, --report-dir, --serial), each
overriding the one before. show prints each setting's value and its source.

  # /etc/aihat/station.yaml
  station: line3-eol
  operator: ada
  plan: /etc/aihat/plan-eol.yaml
  report_dir: /srv/aihat/reports
  serial_source: /proc/device-tree/serial-number`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t := report.NewTable(f.IO.Out, f.IO.Width, "Setting", "Value", "From")
			for _, k := range station.Keys {
				s := f.Station[k.Name]
				t.Append(k.Name, s.Value, s.Source)
			}
			if err := t.Render(); err != nil {
				return err
			}
			_, err := fmt.Fprintln(f.IO.Out, report.WrapLine("files, in order: "+strings.Join(station.Files(f.getenv()), ", "), f.IO.Width))
			return err
		},
	}
	addTextOutput(show, "station show prints a table")
	cmd.AddCommand(show)
	return cmd
}

func (f *Factory) getenv() func(string) string {
	if f.Getenv != nil {
		return f.Getenv
	}
	return os.Getenv
}
