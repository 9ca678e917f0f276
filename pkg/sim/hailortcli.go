package sim

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// RunOutput is Run with stderr apart: hailortcli writes its warnings and
// "Measurement power is not supported" there, and a stage logs them.
func (b *Board) RunOutput(ctx context.Context, name string, args ...string) (stdout, stderr []byte, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if name == "hailortcli" {
		return b.runHailortcli(args)
	}
	out, err := b.Run(ctx, name, args...)
	return out, nil, err
}

// runHailortcli renders HailoRT 5.x's command-line tool on the simulated
// AI HAT+ 2 (a Hailo-10H): scan, fw-control identify, benchmark (run2's
// summary: "<net>: FPS: N" and the device's temperature line; power and
// current are reported unsupported on stderr) and run, which HailoRT 5.x
// refuses on a Hailo-10H. Formats: hailortcli's sources (run2_command.cpp
// run2_benchmark, fw_control_command.cpp, run_command.cpp) at v5.x.
func (b *Board) runHailortcli(args []string) (stdout, stderr []byte, err error) {
	if len(args) == 0 {
		return nil, nil, fmt.Errorf("hailortcli: a subcommand is required")
	}
	b.mu.Lock()
	pcie := b.state.PCIe
	b.mu.Unlock()
	switch args[0] {
	case "scan":
		if pcie == nil {
			return []byte("Hailo devices not found\n"), nil, nil
		}
		return []byte(fmt.Sprintf("Hailo Devices:\n[-] Device: %s\n", pcie.Address)), nil, nil
	case "fw-control":
		if len(args) < 2 || args[1] != "identify" {
			return nil, nil, fmt.Errorf("hailortcli fw-control: only identify is simulated")
		}
		if pcie == nil {
			return nil, nil, fmt.Errorf("[HailoRT] [error] Failed to open device: HAILO_OUT_OF_PHYSICAL_DEVICES(74)")
		}
		// HailoRT 5.x leaves out empty fields (board name, serial, part and
		// product are empty on the AI HAT+ 2 in the posted outputs).
		return []byte(fmt.Sprintf("Executing on device: %s\nIdentifying board\nControl Protocol Version: 2\nFirmware Version: 5.1.1 (release,app)\nLogger Version: 0\nDevice Architecture: HAILO10H\n\n", pcie.Address)), nil, nil
	case "benchmark", "run":
		if pcie == nil {
			return nil, nil, fmt.Errorf("[HailoRT] [error] Failed to create vdevice. there are not enough free devices. requested: 1, found: 0: HAILO_OUT_OF_PHYSICAL_DEVICES(74)")
		}
		if len(args) < 2 || !strings.HasSuffix(args[1], ".hef") {
			return nil, nil, fmt.Errorf("hailortcli %s: a .hef file is required", args[0])
		}
		if args[0] == "run" {
			return nil, nil, fmt.Errorf("[HailoRT] [error] CHECK failed - The \"run\" command is not supported for this device type! Use \"run2\" instead.\n[HailoRT CLI] [error] CHECK_SUCCESS failed with status=HAILO_INVALID_OPERATION(6)")
		}
		out, errOut := b.hailoBenchmark(args[1:])
		return out, errOut, nil
	}
	return nil, nil, fmt.Errorf("hailortcli %s: not simulated", args[0])
}

// hailoFPS is the simulated network's throughput: a fixed figure per HEF
// name, scaled by the NPU's thermal state (it slows when the die is hot).
func (b *Board) hailoFPS(hef string) float64 {
	base := 120.0 + float64(len(filepath.Base(hef))%7)*10
	if b.model.npuC > 95 {
		base *= 0.5
	}
	return base
}

// hailoBenchmark is HailoRT 5.x's `benchmark`: run2 streams the network
// for --time-to-run seconds (once, not in three phases as 4.x did) while
// sampling the device's temperature, then prints the summary.
func (b *Board) hailoBenchmark(args []string) (stdout, stderr []byte) {
	hef := args[0]
	secs := 15
	for i := 1; i+1 < len(args); i++ {
		if args[i] == "--time-to-run" || args[i] == "-t" {
			if n, err := strconv.Atoi(args[i+1]); err == nil && n > 0 {
				secs = n
			}
		}
	}
	net := strings.TrimSuffix(filepath.Base(hef), ".hef")
	b.mu.Lock()
	b.sync()
	saved := b.model.npuLoad
	b.model.npuLoad = 1
	var sum, lo, hi float64
	n := 0
	for t := 0; t < secs*10; t++ {
		b.clk.Advance(100 * time.Millisecond)
		b.sync()
		c := b.npuTemp()
		if n == 0 || c < lo {
			lo = c
		}
		hi = max(hi, c)
		sum += c
		n++
	}
	fps := b.hailoFPS(hef)
	b.model.npuLoad = saved
	addr := b.state.PCIe.Address
	b.mu.Unlock()
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n=======\nSummary\n=======\n%s: FPS: %.2f\n%s:\n", net, fps, addr)
	fmt.Fprintf(&sb, "  temperature: mean=%.2f min=%.2f max=%.2f\n", sum/float64(n), lo, hi)
	return []byte(sb.String()), []byte("Measurement power is not supported\nMeasurement current is not supported\n")
}

func round(v float64, digits int) float64 {
	p := 1.0
	for i := 0; i < digits; i++ {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
