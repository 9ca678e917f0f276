package sim

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// runHailortcli renders HailoRT's command-line tool on the simulated board:
// scan, fw-control identify, benchmark (the Summary block) and run
// --measure-temp, in the formats of HailoRT 4.x's hailortcli.
func (b *Board) runHailortcli(args []string) ([]byte, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("hailortcli: a subcommand is required")
	}
	b.mu.Lock()
	pcie := b.state.PCIe
	b.mu.Unlock()
	switch args[0] {
	case "scan":
		if pcie == nil {
			return []byte("Hailo devices not found\n"), nil
		}
		return []byte(fmt.Sprintf("Hailo Devices:\n[-] Device: %s\n", pcie.Address)), nil
	case "fw-control":
		if len(args) < 2 || args[1] != "identify" {
			return nil, fmt.Errorf("hailortcli fw-control: only identify is simulated")
		}
		if pcie == nil {
			return nil, fmt.Errorf("[HailoRT] [error] Failed to open device: HAILO_OUT_OF_PHYSICAL_DEVICES(74)")
		}
		return []byte(fmt.Sprintf("Executing on device: %s\nIdentifying board\nControl Protocol Version: 2\nFirmware Version: 5.1.1 (release,app,extended context switch buffer)\nLogger Version: 0\nBoard Name: Hailo-10H\nDevice Architecture: HAILO10H\n", pcie.Address)), nil
	case "benchmark", "run":
		if pcie == nil {
			return nil, fmt.Errorf("[HailoRT] [error] Failed to create vdevice. there are not enough free devices. requested: 1, found: 0: HAILO_OUT_OF_PHYSICAL_DEVICES(74)")
		}
		if len(args) < 2 || !strings.HasSuffix(args[1], ".hef") {
			return nil, fmt.Errorf("hailortcli %s: a .hef file is required", args[0])
		}
		if args[0] == "run" {
			return b.hailoRun(args[1:]), nil
		}
		return b.hailoBenchmark(args[1:]), nil
	}
	return nil, fmt.Errorf("hailortcli %s: not simulated", args[0])
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

func (b *Board) hailoBenchmark(args []string) []byte {
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
	// Run the three phases for secs each, sampling NPU power as the
	// firmware's power measurement would.
	var sum, mx float64
	n := 0
	for t := 0; t < 3*secs*10; t++ {
		b.clk.Advance(100 * time.Millisecond)
		b.sync()
		if t >= secs*10 && t < 2*secs*10 {
			p := b.model.npuPower(b.clk.Now())
			sum += p
			mx = max(mx, p)
			n++
		}
	}
	fps := b.hailoFPS(hef)
	b.model.npuLoad = saved
	b.mu.Unlock()
	var sb strings.Builder
	frames := int(fps * float64(secs))
	fmt.Fprintf(&sb, "Starting Measurements...\nMeasuring FPS in HW-only mode\nNetwork %s/%s: 100%% | %d | FPS: %.2f | ETA: 00:00:00\n", net, net, frames, fps*1.02)
	fmt.Fprintf(&sb, "Measuring FPS (and Power on supported platforms) in streaming mode\nNetwork %s/%s: 100%% | %d | FPS: %.2f | ETA: 00:00:00\n", net, net, frames, fps)
	fmt.Fprintf(&sb, "Measuring HW Latency\nNetwork %s/%s: 100%% | %d | HW Latency: %.2f ms | ETA: 00:00:00\n\n", net, net, frames, 1000/fps*1.6)
	fmt.Fprintf(&sb, "=======\nSummary\n=======\n")
	fmt.Fprintf(&sb, "FPS     (hw_only)                 = %g\n", round(fps*1.02, 2))
	fmt.Fprintf(&sb, "        (streaming)               = %g\n", round(fps, 2))
	fmt.Fprintf(&sb, "Latency (hw)                      = %g ms\n", round(1000/fps*1.6, 4))
	fmt.Fprintf(&sb, "Device %s:\n", b.state.PCIe.Address)
	fmt.Fprintf(&sb, "Power in streaming mode (average) = %g W\n", round(sum/float64(max(n, 1)), 4))
	fmt.Fprintf(&sb, "                        (max)     = %g W\n", round(mx, 4))
	return []byte(sb.String())
}

func (b *Board) hailoRun(args []string) []byte {
	hef := args[0]
	net := strings.TrimSuffix(filepath.Base(hef), ".hef")
	b.mu.Lock()
	b.sync()
	saved := b.model.npuLoad
	b.model.npuLoad = 1
	var sum float64
	for t := 0; t < 50; t++ {
		b.clk.Advance(100 * time.Millisecond)
		b.sync()
		sum += b.npuTemp()
	}
	fps := b.hailoFPS(hef)
	b.model.npuLoad = saved
	b.mu.Unlock()
	frames := int(fps * 5)
	return []byte(fmt.Sprintf("Running streaming inference (%s):\n  Transform data: true\n    Type:      auto\n    Quantized: true\nNetwork %s/%s: 100%% | %d | FPS: %.2f | ETA: 00:00:00\n> Inference result:\n Network group: %s\n    Frames count: %d\n    FPS: %.2f\n    Send Rate: 1233.12 Mbit/s\n    Recv Rate: 4.81 Mbit/s\nAverage chip temperature: %.2f C\n",
		hef, net, net, frames, fps, net, frames, fps, sum/50))
}

func round(v float64, digits int) float64 {
	p := 1.0
	for i := 0; i < digits; i++ {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
