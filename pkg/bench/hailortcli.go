package bench

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// HailoBench is what `hailortcli benchmark` and `run --measure-temp` report.
type HailoBench struct {
	FPSHWOnly    float64 // frames/s, 0 when absent
	FPSStreaming float64
	LatencyS     float64 // hw latency, s
	PowerMeanW   float64
	PowerMaxW    float64
	// PowerUnsupported: the device has no power sensor ("Measurement power
	// is not supported").
	PowerUnsupported bool
	TempC            float64 // average chip temperature, °C (0 when absent)
}

var (
	reNum     = `([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)`
	reFPSHW   = regexp.MustCompile(`^FPS\s*\(hw_only\)\s*=\s*` + reNum)
	reFPSSt   = regexp.MustCompile(`^(?:FPS)?\s*\(streaming\)\s*=\s*` + reNum)
	reLatHW   = regexp.MustCompile(`^Latency\s*\(hw\)\s*=\s*` + reNum + `\s*(ms|us|s)`)
	rePowAvg  = regexp.MustCompile(`^Power in streaming mode \(average\)\s*=\s*` + reNum + `\s*W`)
	rePowMax  = regexp.MustCompile(`^\(max\)\s*=\s*` + reNum + `\s*W`)
	reNetFPS  = regexp.MustCompile(`^[^\s:]+:\s*FPS:\s*` + reNum + `\s*$`)
	rePowerKV = regexp.MustCompile(`^power:\s*mean=` + reNum + `\s*W?.*max=` + reNum)
	reTempKV  = regexp.MustCompile(`^temperature:\s*mean=` + reNum)
	reAvgTemp = regexp.MustCompile(`(?i)^average(?: chip)? temperature:?\s*` + reNum + `\s*C`)
)

// ParseHailortcli reads `hailortcli benchmark` output (the Summary block:
// "FPS (hw_only) = N", "(streaming) = N", "Latency (hw) = N ms", "Power in
// streaming mode (average) = N W", "(max) = N W"; or the "<net>: FPS: N",
// "power: mean=… min=… max=…", "temperature: mean=…" summary lines) and
// `run --measure-temp` output ("Average chip temperature: 45.00 C").
func ParseHailortcli(out string) HailoBench {
	var h HailoBench
	inSummary := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "Summary" {
			inSummary = true
			continue
		}
		if strings.Contains(line, "Measurement power is not supported") {
			h.PowerUnsupported = true
		}
		f := func(m []string, i int) float64 {
			v, _ := strconv.ParseFloat(m[i], 64)
			return v
		}
		if m := reFPSHW.FindStringSubmatch(line); m != nil {
			h.FPSHWOnly = f(m, 1)
		} else if m := reFPSSt.FindStringSubmatch(line); m != nil && inSummary {
			h.FPSStreaming = f(m, 1)
		} else if m := reLatHW.FindStringSubmatch(line); m != nil {
			v := f(m, 1)
			switch m[2] {
			case "ms":
				v /= 1e3
			case "us":
				v /= 1e6
			}
			h.LatencyS = v
		} else if m := rePowAvg.FindStringSubmatch(line); m != nil {
			h.PowerMeanW = f(m, 1)
		} else if m := rePowMax.FindStringSubmatch(line); m != nil {
			h.PowerMaxW = f(m, 1)
		} else if m := reNetFPS.FindStringSubmatch(line); m != nil && inSummary {
			h.FPSStreaming = f(m, 1)
		} else if m := rePowerKV.FindStringSubmatch(line); m != nil {
			h.PowerMeanW, h.PowerMaxW = f(m, 1), f(m, 2)
		} else if m := reTempKV.FindStringSubmatch(line); m != nil {
			h.TempC = f(m, 1)
		} else if m := reAvgTemp.FindStringSubmatch(line); m != nil {
			h.TempC = f(m, 1)
		}
	}
	return h
}

func runHailortcli(ctx context.Context, env *stage.Env, step *report.Step, o Options) error {
	if o.HEF == "" {
		return fmt.Errorf("--runtime hailortcli needs a compiled model: pass --hef FILE.hef (or set bench.hef in the plan)")
	}
	secs := int(o.Duration / time.Second)
	if secs <= 0 {
		secs = 15
	}
	env.Board.SetLoad(board.Load{NPU: 1, CPU: 0.2})
	defer env.Board.SetLoad(board.Load{})
	fmt.Fprintf(env.Progress, "%s: hailortcli benchmark %s (%d s)\n", step.Name, filepath.Base(o.HEF), secs)
	out, err := env.Board.Run(ctx, "hailortcli", "benchmark", o.HEF, "--time-to-run", strconv.Itoa(secs))
	if err != nil {
		return fmt.Errorf("hailortcli benchmark %s: %v: check the HEF and `hailortcli scan`", o.HEF, err)
	}
	h := ParseHailortcli(string(out))
	if h.FPSHWOnly == 0 && h.FPSStreaming == 0 {
		return fmt.Errorf("hailortcli benchmark %s printed no FPS summary: unsupported HailoRT version or the run failed", o.HEF)
	}
	stage.Measure(env, step, report.Measurement{Name: "runtime", Value: "hailortcli"})
	if h.FPSHWOnly > 0 {
		stage.Measure(env, step, report.Measurement{Name: "fps_hw_only", Value: h.FPSHWOnly, Unit: "1/s"})
	}
	if h.FPSStreaming > 0 {
		stage.Measure(env, step, report.Measurement{Name: "inferences_per_s", Value: h.FPSStreaming, Unit: "inferences/s"})
	}
	if h.LatencyS > 0 {
		stage.Measure(env, step, report.Measurement{Name: "latency_hw", Value: h.LatencyS, Unit: "s"})
	}
	if h.PowerUnsupported {
		step.Logf("hailortcli: Measurement power is not supported on this device; NPU power not recorded")
	} else if h.PowerMeanW > 0 {
		stage.Measure(env, step, report.Measurement{Name: "npu_power_mean", Value: h.PowerMeanW, Unit: "W"})
		stage.Measure(env, step, report.Measurement{Name: "npu_power_max", Value: h.PowerMaxW, Unit: "W"})
	}
	tout, err := env.Board.Run(ctx, "hailortcli", "run", o.HEF, "--measure-temp")
	if err != nil {
		step.Logf("hailortcli run --measure-temp: %v", err)
	} else if t := ParseHailortcli(string(tout)); t.TempC != 0 {
		stage.Measure(env, step, report.Measurement{Name: "npu_temp_max", Value: t.TempC, Unit: "°C", Code: "BENCH_NPU_TEMP",
			Message: "the NPU ran hot: check the HAT's heatsink pad and airflow"})
	}
	smp := NewSampler(env.Board)
	smp.Start()
	smp.Sample(ctx)
	boardMeasurements(env, step, smp)
	return nil
}
