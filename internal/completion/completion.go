// Package completion holds what aihat's flag values complete to in a shell:
// one table of the flags whose values are a closed set (or have one usual
// answer), each list taken from the package that accepts the values (the
// stage table, the sim's fault catalogue, the synthetic model presets, the
// report formats, ONNX Runtime's providers), and Register, which wires the
// table into the command tree. Choices is the completion of a fixed list,
// for a command's own -o formats.
package completion

import (
	"sort"
	"strings"

	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/session"
	"github.com/aihat/aihat/pkg/synth"
	"github.com/spf13/cobra"
)

// Flag says what a flag's value completes to. Cmd is the command path
// below aihat ("" for the global flags); it tells apart a flag name that
// means different things on different commands (--runtime).
type Flag struct {
	Cmd, Name string
	Complete  cobra.CompletionFunc
}

// Flags is every flag whose values are a closed set, in one table, each
// list taken from the package that accepts the values where it has one.
// -o completes where each command declares its formats (Choices).
func Flags() []Flag {
	fixed := func(c ...cobra.Completion) cobra.CompletionFunc { return Choices(c) }
	quant := fixed(synth.FP32, synth.Int8, synth.Int4)
	sizes := func() []cobra.Completion { return synthSizes() }
	return []Flag{
		{"", "target", fixed(
			cobra.CompletionWithDesc("auto", "linux on a Raspberry Pi 5, else the simulated board"),
			cobra.CompletionWithDesc("linux", "the real board's kernel interfaces"),
			cobra.CompletionWithDesc("fixture", "a captured Pi 5 tree replayed from --root"),
			cobra.CompletionWithDesc("sim", "the simulated Pi 5 + AI HAT+ 2"))},
		{"", "fault", completeFaults},
		{"bringup", "only", commaList(StageNames)},
		{"bench", "synth", fixed(synthSizes()...)},
		{"bench", "sweep", commaList(sizes)},
		{"bench", "quant", quant},
		{"bench", "runtime", fixed(
			cobra.CompletionWithDesc("ort", "ONNX Runtime"),
			cobra.CompletionWithDesc("hailortcli", "a compiled HEF on the NPU through HailoRT"),
			cobra.CompletionWithDesc("ollama", "an LLM behind an Ollama-compatible server (hailo-ollama)"))},
		{"bench", "provider", commaList(infer.KnownProviders)},
		{"loadtest", "runtime", fixed(
			cobra.CompletionWithDesc("model", "the board's own load model (the sim)"),
			cobra.CompletionWithDesc("onnxruntime", "ONNX Runtime inferences in process"),
			cobra.CompletionWithDesc("hailortcli", "a compiled HEF on the NPU through HailoRT (--hef)"),
			cobra.CompletionWithDesc("ollama", "an LLM behind an Ollama-compatible server (hailo-ollama)"))},
		// Not closed sets, but with one usual answer each.
		{"loadtest", "metrics-addr", fixed(
			cobra.CompletionWithDesc("127.0.0.1:9101", "this machine only"),
			cobra.CompletionWithDesc("0.0.0.0:9101", "every interface: a Prometheus elsewhere scrapes it"))},
		{"loadtest", "metrics-textfile", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"prom"}, cobra.ShellCompDirectiveFilterFileExt // node_exporter reads only *.prom
		}},
		{"bench", "cpu-fallback", fixed("marginal", "fail", "pass")},
		{"bench", "opt-level", fixed("disable", "basic", "extended", "all")},
		{"model synth", "params", fixed(synthSizes()...)},
		{"model synth", "quant", quant},
		{"model synth", "norm", fixed("rms", "layer")},
		{"power rails", "load", fixed("idle", "cpu", "npu", "both")},
		{"thermal soak", "load", fixed("cpu", "npu", "both")},
		{"thermal fan-config", "curve", fixed(
			cobra.CompletionWithDesc("policy", "derived from the plan's thermal.policy"),
			cobra.CompletionWithDesc("plan", "the plan's thermal.fan curve"))},
		{"driver systemd-unit", "runtime", fixed("podman", "docker")},
		{"report render", "format", fixed(runFormats()...)},
	}
}

// Register wires the table into the tree under root. An entry whose command
// or flag is gone is skipped here and fails internal/cli's
// TestEveryCompletionIsWired.
func Register(root *cobra.Command) {
	for _, c := range Flags() {
		cmd := root
		if c.Cmd != "" {
			found, rest, err := root.Find(strings.Fields(c.Cmd))
			if err != nil || len(rest) != 0 || found == root {
				continue
			}
			cmd = found
		}
		_ = cmd.RegisterFlagCompletionFunc(c.Name, c.Complete)
	}
}

// Choices completes to the fixed values (each "value" or "value\tdescription")
// that start with what was typed, and never to file names.
func Choices(values []cobra.Completion) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFaults offers the sim's fault catalogue with what each breaks.
func completeFaults(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var all []cobra.Completion
	for _, f := range session.Faults() {
		all = append(all, cobra.CompletionWithDesc(f.Name, f.Breaks))
	}
	return Choices(all)(cmd, args, toComplete)
}

// StageNames are what --only completes to: the stages this build can run,
// in the default plan's order, then any the plan does not list, by name.
func StageNames() []string {
	known := bringup.Stages()
	var names []string
	if p, err := plan.Default(); err == nil {
		for _, s := range p.Stages {
			if _, ok := known[s]; ok {
				names = append(names, s)
				delete(known, s)
			}
		}
	}
	var rest []string
	for s := range known {
		rest = append(rest, s)
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// synthSizes are the synthetic model presets, smallest first.
func synthSizes() []string {
	var names []string
	for n := range synth.Presets {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		return synth.Presets[names[i]].Params() < synth.Presets[names[j]].Params()
	})
	return names
}

// commaList completes a comma-separated list flag (--only a,b): the part
// after the last comma, from the values not already listed, keeping what
// is before it, with no space after so another ",x" can follow.
func commaList(values func() []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		have := map[string]bool{}
		for _, v := range strings.Split(done, ",") {
			have[v] = true
		}
		var out []cobra.Completion
		for _, v := range values() {
			if !have[v] && strings.HasPrefix(v, last) {
				out = append(out, done+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
}

// runFormats are the formats a run record prints in.
func runFormats() []cobra.Completion {
	var out []cobra.Completion
	for _, f := range report.Formats {
		out = append(out, string(f))
	}
	return out
}
