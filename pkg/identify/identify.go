// Package identify is the board.identify stage: what board this is (model,
// serial number, kernel, firmware), read from the board's own files and
// firmware, checked against the board the plan is for.
package identify

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/aihat/aihat/pkg/devicetree"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// identifyRun is board.identify, the table's entry (Spec().Run). It sets
// env.Findings.Board. The model is held to the plan's limit
// board.identify.model (a pattern).
func identifyRun(ctx context.Context, env *stage.Env, step *report.Step) error {
	fsys := env.Board.FS()
	id := &env.Findings.Board
	model, err := readDTString(fsys, "model")
	if err != nil {
		return fmt.Errorf("read the board model: %w (is this a Raspberry Pi? is --root a Pi root filesystem?)", err)
	}
	id.Model = model
	stage.Measure(env, step, stage.M{Name: "model", Value: model, Code: "BOARD_MODEL",
		Remedy: fmt.Sprintf("board is %q, the plan is for another (%s): use the plan made for this board (--plan)", model, env.Plan.Limit(step.Name+".model"))})

	serial, err := readDTString(fsys, "serial-number")
	if err != nil {
		serial = cpuinfoField(fsys, "Serial")
	}
	if serial != "" {
		id.Serial = serial
		stage.Measure(env, step, stage.M{Name: "serial", Value: serial})
	} else {
		step.Logf("no serial number in the device tree or /proc/cpuinfo")
	}

	if k, err := fs.ReadFile(fsys, "proc/sys/kernel/osrelease"); err == nil {
		id.Kernel = strings.TrimSpace(string(k))
		stage.Measure(env, step, stage.M{Name: "kernel", Value: id.Kernel})
	} else {
		step.Logf("kernel release unknown: %v", err)
	}

	if out, err := env.Board.Run(ctx, "vcgencmd", "version"); err == nil {
		fw := firmwareVersion(out)
		id.Firmware = fw
		stage.Measure(env, step, stage.M{Name: "firmware", Value: fw})
	} else {
		step.Logf("firmware version unknown: %v", err)
	}
	return nil
}

// readDTString reads a device-tree string property from the live tree
// (proc/device-tree, or sys/firmware/devicetree/base).
func readDTString(fsys fs.FS, prop string) (string, error) {
	t, err := devicetree.Open(fsys)
	if err != nil {
		return "", err
	}
	v, err := t.String(prop)
	return strings.TrimSpace(v), err
}

func cpuinfoField(fsys fs.FS, key string) string {
	b, err := fs.ReadFile(fsys, "proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// firmwareVersion condenses `vcgencmd version` (date line, copyright,
// "version <hash> (release) (embedded)") to "<date> <hash>". A capture
// without its date line gives the hash alone: no date is made up from the
// copyright line.
func firmwareVersion(out []byte) string {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(string(out), "\r", "")), "\n")
	date := strings.TrimSpace(lines[0])
	if strings.HasPrefix(date, "Copyright") || strings.HasPrefix(date, "version ") {
		date = ""
	}
	for _, l := range lines {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "version" {
			return strings.TrimSpace(date + " " + f[1])
		}
	}
	return date
}
