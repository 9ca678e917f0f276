package cli

import (
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/completion"
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/power"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/synth"
	"github.com/spf13/cobra"
)

// complete asks aihat for completions as the shell scripts do (the hidden
// __complete command) and returns the values, without descriptions, and
// the directive.
func complete(t *testing.T, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %v: exit %d %s", args, code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	last := lines[len(lines)-1]
	var dir int
	if !strings.HasPrefix(last, ":") {
		t.Fatalf("no directive line: %q", out)
	}
	for _, c := range last[1:] {
		dir = dir*10 + int(c-'0')
	}
	var vals []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		vals = append(vals, v)
	}
	return vals, cobra.ShellCompDirective(dir)
}

func faultNames() []string {
	var n []string
	for _, f := range sim.Catalogue() {
		n = append(n, f.Name)
	}
	return n
}

// afterFirst is what completes after "first,": every other value, prefixed.
func afterFirst(prefix string, all []string) []string {
	var out []string
	for _, v := range all[1:] {
		out = append(out, prefix+v)
	}
	return out
}

func TestFlagValuesComplete(t *testing.T) {
	tests := []struct {
		args    []string
		want    []string
		noSpace bool // a comma list: the shell must not add a space
	}{
		{[]string{"i2c", "scan", "--target", ""}, []string{"auto", "linux", "fixture", "sim"}, false},
		{[]string{"bringup", "--target", "s"}, []string{"sim"}, false},
		{[]string{"bringup", "--fault", ""}, faultNames(), false},
		{[]string{"bringup", "--fault", "fan-"}, []string{"fan-degrade", "fan-stall"}, false},
		{[]string{"bringup", "-o", ""}, []string{"table", "json", "junit", "markdown", "html"}, false},
		{[]string{"power", "flags", "--output", "j"}, []string{"json", "junit"}, false},
		{[]string{"plan", "show", "-o", ""}, []string{"yaml", "json"}, false},
		{[]string{"sim", "faults", "-o", ""}, []string{"table", "json"}, false},
		{[]string{"eeprom", "dump", "-o", ""}, []string{"text", "json"}, false},
		{[]string{"version", "-o", ""}, []string{"text", "json"}, false},
		{[]string{"model", "synth", "-o", ""}, []string{"text"}, false},
		{[]string{"bringup", "--only", ""}, completion.StageNames(), true},
		{[]string{"bringup", "--only", "board.identify,"}, afterFirst("board.identify,", completion.StageNames()), true},
		{[]string{"bringup", "--only", "i2c.scan,board"}, []string{"i2c.scan,board.identify"}, true},
		{[]string{"bench", "--synth", ""}, []string{"50M", "100M", "200M"}, false},
		{[]string{"bench", "--sweep", "50M,"}, []string{"50M,100M", "50M,200M"}, true},
		{[]string{"bench", "--quant", ""}, []string{"fp32", "int8", "int4"}, false},
		{[]string{"loadtest", "--metrics-addr", "127"}, []string{"127.0.0.1:9101"}, false},
		{[]string{"model", "synth", "--quant", "int"}, []string{"int8", "int4"}, false},
		{[]string{"model", "synth", "--params", ""}, []string{"50M", "100M", "200M"}, false},
		{[]string{"bench", "--runtime", ""}, []string{"ort", "hailortcli", "ollama"}, false},
		{[]string{"driver", "systemd-unit", "--runtime", ""}, []string{"podman", "docker"}, false},
		{[]string{"bench", "--provider", "h"}, []string{"hailo"}, true},
		{[]string{"bench", "--provider", "hailo,c"}, []string{"hailo,coreml", "hailo,cpu", "hailo,cuda"}, true},
		{[]string{"power", "rails", "--load", ""}, []string{"idle", "cpu", "npu", "both"}, false},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got, dir := complete(t, tc.args...)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("completed %q, want %q", got, tc.want)
			}
			if dir&cobra.ShellCompDirectiveNoFileComp == 0 {
				t.Errorf("directive %d offers file names", dir)
			}
			if (dir&cobra.ShellCompDirectiveNoSpace != 0) != tc.noSpace {
				t.Errorf("directive %d: no-space should be %v", dir, tc.noSpace)
			}
		})
	}
}

// What completes is what the commands accept: each list is checked against
// the code that parses the flag.
func TestEveryCompletedValueIsAccepted(t *testing.T) {
	known := bringup.Stages()
	only, _ := complete(t, "bringup", "--only", "")
	if len(only) != len(known) {
		t.Errorf("--only completes %v, the build has %d stages", only, len(known))
	}
	for _, s := range only {
		if _, ok := known[s]; !ok {
			t.Errorf("--only completes %s, which is no stage", s)
		}
	}
	for _, f := range faultNames() {
		if _, err := sim.New(sim.Options{Faults: []string{f}}); err != nil {
			t.Errorf("--fault %s: %v", f, err)
		}
	}
	sizes, _ := complete(t, "bench", "--synth", "")
	for _, s := range sizes {
		if _, err := synth.Preset(s); err != nil {
			t.Errorf("--synth %s: %v", s, err)
		}
	}
	quants, _ := complete(t, "bench", "--quant", "")
	for _, q := range quants {
		if _, err := (synth.Config{Layers: 1, Hidden: 8, Heads: 2, Vocab: 10, Context: 4, Quant: q}).Normalize(); err != nil {
			t.Errorf("--quant %s: %v", q, err)
		}
	}
	provs, _ := complete(t, "bench", "--provider", "")
	if _, err := infer.ParseProviders(provs); err != nil || len(provs) != len(infer.KnownProviders()) {
		t.Errorf("--provider %v: %v", provs, err)
	}
	loads, _ := complete(t, "power", "rails", "--load", "")
	for _, l := range loads {
		if _, err := power.ParseLoad(l); err != nil {
			t.Errorf("--load %s: %v", l, err)
		}
	}
	// The run-time checks the CLI makes: these are usage errors (64) for a
	// value outside the list and nothing earlier for one inside it.
	for _, tc := range []struct{ args []string }{
		{[]string{"bench", "--target", "sim", "--runtime", "bogus"}},
		{[]string{"driver", "systemd-unit", "--target", "sim", "--image", "x", "--runtime", "bogus"}},
		{[]string{"i2c", "scan", "--target", "bogus"}},
	} {
		if code, _, _ := runCLI(t, tc.args...); code != 64 {
			t.Errorf("%v: exit %d, want 64", tc.args, code)
		}
	}
	for _, rt := range []string{"podman", "docker"} {
		if code, _, stderr := runCLI(t, "driver", "systemd-unit", "--target", "sim", "--image", "x", "--runtime", rt); code != 0 {
			t.Errorf("--runtime %s: exit %d %s", rt, code, stderr)
		}
	}
}

// Every entry of the completion table reaches a flag of the tree: a flag
// renamed or a command moved fails here instead of silently losing its
// completion.
func TestEveryCompletionIsWired(t *testing.T) {
	root := NewRootCmd(&Factory{IO: &IOStreams{}})
	for _, c := range completion.Flags() {
		cmd := root
		if c.Cmd != "" {
			found, rest, err := root.Find(strings.Fields(c.Cmd))
			if err != nil || len(rest) != 0 || found == root {
				t.Errorf("completion for %q --%s: no such command", c.Cmd, c.Name)
				continue
			}
			cmd = found
		}
		if cmd.Flags().Lookup(c.Name) == nil && cmd.PersistentFlags().Lookup(c.Name) == nil {
			t.Errorf("completion for %q --%s: no such flag", c.Cmd, c.Name)
		}
		if _, ok := cmd.GetFlagCompletionFunc(c.Name); !ok {
			t.Errorf("completion for %q --%s is not registered", c.Cmd, c.Name)
		}
	}
}
