package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/hailortcli"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// runHailortcli measures a compiled HEF on the NPU through HailoRT's CLI.
// The device architecture `fw-control identify` reports decides the
// commands: a Hailo-8/8L (HailoRT 4.x) runs the three-phase benchmark and
// `run --measure-temp` for the chip temperature; a Hailo-10H (HailoRT 5.x)
// refuses `run`, and its benchmark summary carries the temperature.
func runHailortcli(ctx context.Context, env *stage.Env, step *report.Step, o BenchOptions) error {
	if o.HEF == "" {
		return fmt.Errorf("--runtime hailortcli needs a compiled model: pass --hef FILE.hef (or set bench.hef in the plan)")
	}
	secs := int(o.Duration / time.Second)
	if secs <= 0 {
		secs = 15
	}
	arch := npuArch(ctx, env, step)
	env.Board.SetLoad(board.Load{NPU: 1, CPU: 0.2})
	defer env.Board.SetLoad(board.Load{})
	fmt.Fprintf(env.Progress, "%s: hailortcli benchmark %s (%d s)\n", step.Name, filepath.Base(o.HEF), secs)
	out, errOut, err := board.RunOutput(ctx, env.Board, "hailortcli", "benchmark", o.HEF, "--time-to-run", strconv.Itoa(secs))
	logStderr(step, "hailortcli benchmark", errOut)
	if err != nil {
		return fmt.Errorf("hailortcli benchmark %s: %v: check the HEF was compiled for this device (%s) and `hailortcli scan`", o.HEF, err, archOr(arch))
	}
	h := hailortcli.Parse(string(out) + "\n" + string(errOut))
	if h.FPS() == 0 {
		return fmt.Errorf("hailortcli benchmark %s printed no FPS summary (neither HailoRT 4.x's \"FPS (hw_only) =\" nor 5.x's \"<net>: FPS:\"): the run failed or this HailoRT is unknown", o.HEF)
	}
	stage.Measure(env, step, stage.M{Name: "runtime", Value: "hailortcli"})
	if arch != "" {
		stage.Measure(env, step, stage.M{Name: "npu_arch", Value: string(arch)})
	}
	if h.FPSHWOnly > 0 {
		stage.Measure(env, step, stage.M{Name: "fps_hw_only", Value: h.FPSHWOnly, Unit: "1/s"})
	}
	stage.Measure(env, step, stage.M{Name: "inferences_per_s", Value: h.FPS(), Unit: "inferences/s"})
	if h.LatencyHWS > 0 {
		stage.Measure(env, step, stage.M{Name: "latency_hw", Value: h.LatencyHWS, Unit: "s"})
	}
	if mean, mx, ok := h.Power(); ok {
		stage.Measure(env, step, stage.M{Name: "npu_power_mean", Value: mean, Unit: "W"})
		stage.Measure(env, step, stage.M{Name: "npu_power_max", Value: mx, Unit: "W"})
	} else if h.Says("power") {
		step.Logf("hailortcli: power measurement is not supported on this device; NPU power not recorded")
	}

	_, tmax, ok := h.Temp()
	tempFrom := "benchmark summary"
	if !ok && (arch.HailoRT4() || arch == "" && h.Gen == 4) {
		// HailoRT 4.x's benchmark has no temperature; `run --measure-temp`
		// prints the chip's minimum/average/maximum.
		tout, terrOut, err := board.RunOutput(ctx, env.Board, "hailortcli", "run", o.HEF, "--measure-temp")
		logStderr(step, "hailortcli run", terrOut)
		if err != nil {
			step.Logf("hailortcli run --measure-temp: %v", err)
		} else {
			_, tmax, ok = hailortcli.Parse(string(tout)).Temp()
			tempFrom = "run --measure-temp"
		}
	}
	if ok {
		step.Logf("NPU temperature from hailortcli %s", tempFrom)
		stage.Measure(env, step, stage.M{Name: "npu_temp_max", Value: tmax, Unit: "°C", Code: "BENCH_NPU_TEMP",
			Remedy: "the NPU ran hot: check the HAT's heatsink pad and airflow"})
	} else {
		stage.Skipped(step, "npu_temp_max", "not measured: hailortcli printed no NPU temperature (the device reports no temperature, or this HailoRT prints none)")
	}
	smp := NewSampler(env.Board)
	smp.Start()
	smp.Sample(ctx)
	boardMeasurements(env, step, smp)
	return nil
}

// npuArch is the Device Architecture from an earlier stage's facts
// (driver.check) or from `hailortcli fw-control identify`; "" when unknown
// (then the output format decides).
func npuArch(ctx context.Context, env *stage.Env, step *report.Step) hailortcli.Arch {
	if n := env.Findings.NPU; n != nil && n.Arch != "" {
		return hailortcli.Arch(n.Arch)
	}
	out, errOut, err := board.RunOutput(ctx, env.Board, "hailortcli", "fw-control", "identify")
	logStderr(step, "hailortcli fw-control identify", errOut)
	if err != nil {
		step.Logf("hailortcli fw-control identify: %v; choosing commands by the benchmark's output format", err)
		return ""
	}
	id, err := hailortcli.ParseIdentify(string(out))
	if err != nil {
		step.Logf("%v; choosing commands by the benchmark's output format", err)
		return ""
	}
	step.Logf("NPU %s, firmware %s", id.Arch, id.Firmware)
	return id.Arch
}

// logStderr keeps what hailortcli wrote on stderr in the step log, one
// line each.
func logStderr(step *report.Step, what string, errOut []byte) {
	for _, l := range strings.Split(strings.TrimSpace(string(errOut)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			step.Logf("%s (stderr): %s", what, l)
		}
	}
}

func archOr(a hailortcli.Arch) string {
	if a == "" {
		return "architecture unknown"
	}
	return string(a)
}
