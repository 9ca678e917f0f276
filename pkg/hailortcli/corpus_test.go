package hailortcli

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/captures"
	"github.com/aihat/aihat/pkg/sim"
)

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestBenchmarkCorpus runs every real `hailortcli benchmark` capture
// through Parse and checks the figures its .SOURCE states.
func TestBenchmarkCorpus(t *testing.T) {
	cs, err := captures.Load("hailortcli_benchmark")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			r := Parse(c.Text)
			pm, px, pok := r.Power()
			tm, tx, tok := r.Temp()
			for k, want := range c.Expect {
				var got string
				switch k {
				case "gen":
					got = strconv.Itoa(r.Gen)
				case "fps_hw_only":
					got = fmtF(r.FPSHWOnly)
				case "fps":
					got = fmtF(r.FPS())
				case "latency_hw_ms":
					got = fmtF(r.LatencyHWS * 1e3)
				case "power_mean_w":
					got = fmtF(pm)
				case "power_max_w":
					got = fmtF(px)
				case "power":
					got = map[bool]string{true: "present", false: "none"}[pok]
				case "temp_mean_c":
					got = fmtF(tm)
				case "temp_max_c":
					got = fmtF(tx)
				case "temp":
					got = map[bool]string{true: "present", false: "none"}[tok]
				case "unsupported":
					// What hailortcli said the device cannot measure, in order.
					got = strings.Join(r.Unsupported, ",")
					if got == "" {
						got = "none"
					}
				default:
					t.Fatalf("unknown expect key %q", k)
				}
				if got != want {
					t.Errorf("%s = %s, the capture states %s", k, got, want)
				}
			}
		})
	}
}

// TestIdentifyCorpus runs every real `fw-control identify` capture through
// ParseIdentify and checks the fields (or the error) its .SOURCE states.
func TestIdentifyCorpus(t *testing.T) {
	cs, err := captures.Load("hailortcli_fw-control_identify")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			id, err := ParseIdentify(c.Text)
			if want, ok := c.Expect["error"]; ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err %v, the capture states %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{"device": id.Device, "firmware_version": id.FirmwareVersion, "arch": string(id.Arch),
				"board_name": id.BoardName, "serial": id.Serial, "part_number": id.Part, "product_name": id.Product}
			for k, want := range c.Expect {
				g, ok := got[k]
				if !ok {
					t.Fatalf("unknown expect key %q", k)
				}
				if g != want {
					t.Errorf("%s = %q, the capture states %q", k, g, want)
				}
			}
		})
	}
}

// TestParsesTheSimsHailoRT5Output: the simulated AI HAT+ 2 prints HailoRT
// 5.x's formats; the parsers read its identity and its temperature.
func TestParsesTheSimsHailoRT5Output(t *testing.T) {
	b, err := sim.New(sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out, _ := b.Run(ctx, "hailortcli", "fw-control", "identify")
	id, err := ParseIdentify(string(out))
	if err != nil || id.Arch != Hailo10H || id.Arch.HailoRT4() || id.FirmwareVersion != "5.1.1" || id.Device != "0001:01:00.0" || id.Serial != "" {
		t.Fatalf("identify %+v %v", id, err)
	}
	if f := id.Fields(); len(f) != 2 || f[0] != [2]string{"arch", "HAILO10H"} {
		t.Fatalf("fields %v", f)
	}
	stdout, stderr, err := b.RunOutput(ctx, "hailortcli", "benchmark", "yolov8s.hef", "--time-to-run", "2")
	if err != nil {
		t.Fatal(err)
	}
	r := Parse(string(stdout) + string(stderr))
	mean, mx, ok := r.Temp()
	if r.Gen != 5 || len(r.Nets) != 1 || r.Nets[0].Net != "yolov8s" || r.FPS() <= 0 || !ok || mean <= 0 || mx < mean {
		t.Fatalf("benchmark %+v", r)
	}
	if _, _, ok := r.Power(); ok || !r.Says("power") || !r.Says("current") || r.Says("temperature") {
		t.Fatalf("power %+v", r)
	}
}

// TestIdentifyNotConfiguredIsAbsent: HailoRT before 4.22 prints "<N/A>"
// for an empty field (fw_control_command.cpp NOT_CONFIGURED_ATTR); it is
// absent, as the omitted line of 4.22+ is.
func TestIdentifyNotConfiguredIsAbsent(t *testing.T) {
	id, err := ParseIdentify("Identifying board\r\nBoard Name: Hailo-8\r\nDevice Architecture: HAILO8L\r\nSerial Number: <N/A>\r\nPart Number: <N/A>\r\nProduct Name: <N/A>\r\n")
	if err != nil || id.Arch != Hailo8L || !id.Arch.HailoRT4() || id.Serial != "" || id.Part != "" || id.Product != "" || id.BoardName != "Hailo-8" {
		t.Fatalf("%+v %v", id, err)
	}
}
