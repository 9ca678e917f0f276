package identify

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/board/fixture"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
)

func runStage(t *testing.T, b board.Board) (*report.Step, *stage.Env) {
	t.Helper()
	p, _ := plan.Default()
	env := stage.NewEnv(b, p)
	s := report.NewStep("board.identify", b.Clock().Now())
	s.Finish(b.Clock().Now(), Spec().Run(context.Background(), env, s))
	return s, env
}

func TestIdentifyOnSim(t *testing.T) {
	b, _ := sim.New(sim.Options{Seed: 5})
	s, env := runStage(t, b)
	if s.Outcome != report.Pass {
		t.Fatalf("%s %+v", s.Outcome, s.Measurements)
	}
	if env.Findings.Board.Model != "Raspberry Pi 5 Model B Rev 1.0" || len(env.Findings.Board.Serial) != 16 {
		t.Fatalf("facts %+v", env.Findings.Board)
	}
	if env.Findings.Board.Firmware != "2025/05/08 15:13:17 69471177" {
		t.Fatalf("firmware = %q", env.Findings.Board.Firmware)
	}
}

func writeRoot(t *testing.T, files map[string]string) string {
	root := t.TempDir()
	for p, c := range files {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(c), 0o644)
	}
	return root
}

func TestIdentifyFailsOnAnotherBoard(t *testing.T) {
	root := writeRoot(t, map[string]string{"proc/device-tree/model": "Raspberry Pi 4 Model B Rev 1.4\x00"})
	b, _ := fixture.New(root)
	s, _ := runStage(t, b)
	if s.Outcome != report.Fail || s.Measurements[0].Message == "" {
		t.Fatalf("Pi 4: %s %+v", s.Outcome, s.Measurements)
	}
}

func TestIdentifyErrorsWithoutADeviceTree(t *testing.T) {
	b, _ := fixture.New(t.TempDir())
	if s, _ := runStage(t, b); s.Outcome != report.Error {
		t.Fatalf("no device tree: %s", s.Outcome)
	}
}

func TestIdentifyReadsSerialFromCpuinfoAndFirmwareFromCannedOutput(t *testing.T) {
	root := writeRoot(t, map[string]string{
		"sys/firmware/devicetree/base/model": "Raspberry Pi 5 Model B Rev 1.1\x00",
		"proc/cpuinfo":                       "processor\t: 0\nRevision\t: e04171\nSerial\t\t: 9b1d4c2e7a3f0011\nModel\t\t: Raspberry Pi 5 Model B Rev 1.1\n",
		"proc/sys/kernel/osrelease":          "6.6.51+rpt-rpi-2712\n",
		".aihat/cmd/vcgencmd_version":        "2024/11/12 16:10:44 \nCopyright (c) 2012 Broadcom\nversion 4b019946 (release) (embedded)\n",
	})
	b, _ := fixture.New(root)
	s, env := runStage(t, b)
	if s.Outcome != report.Pass || env.Findings.Board.Serial != "9b1d4c2e7a3f0011" || env.Findings.Board.Kernel != "6.6.51+rpt-rpi-2712" || env.Findings.Board.Firmware != "2024/11/12 16:10:44 4b019946" {
		t.Fatalf("%s facts %+v", s.Outcome, env.Findings.Board)
	}
}
