// Package overlay is the overlay.check stage: is the HAT's device-tree
// overlay configured in config.txt (as the firmware reads it, for a Pi 5)
// and installed, are the dtparams the plan needs set, does the live device
// tree have the nodes the plan expects, and does its hat node agree with
// the HAT's EEPROM.
package overlay

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/aihat/aihat/pkg/bootcfg"
	"github.com/aihat/aihat/pkg/devicetree"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// Failure codes of overlay.check.
const (
	CodeConfigMalformed   = "CONFIG_MALFORMED"
	CodeOverlayMissing    = "OVERLAY_NOT_CONFIGURED"
	CodeDTBOMissing       = "OVERLAY_DTBO_MISSING"
	CodeDTParamMissing    = "DTPARAM_MISSING"
	CodeDTNodeMissing     = "DT_NODE_MISSING"
	CodeDTNodeCompatible  = "DT_NODE_COMPATIBLE"
	CodeDTNodeStatus      = "DT_NODE_DISABLED"
	CodeHATNodeMissing    = "HAT_NODE_MISSING"
	CodeHATNodeMismatch   = "HAT_NODE_MISMATCH"
	legacyConfigPath      = "boot/config.txt"
	defaultConfigPath     = "boot/firmware/config.txt"
	defaultOverlaysSubdir = "overlays"
)

// dtboMagic starts every flattened device tree blob.
const dtboMagic = 0xd00dfeed

// Stage is the overlay.check stage.
func Stage(ctx context.Context, env *stage.Env, step *report.Step) error {
	op := env.Plan.Overlay
	fsys := env.Board.FS()

	cfgPath := op.ConfigPath
	if cfgPath == "" {
		cfgPath = defaultConfigPath
	}
	cfgPath = strings.TrimPrefix(cfgPath, "/")
	cfg, err := bootcfg.Load(fsys, cfgPath, bootcfg.Pi5())
	if errors.Is(err, fs.ErrNotExist) && cfgPath == defaultConfigPath {
		// Before bookworm the boot partition was mounted at /boot.
		if c, lerr := bootcfg.Load(fsys, legacyConfigPath, bootcfg.Pi5()); lerr == nil {
			step.Logf("no /%s; read /%s (pre-bookworm layout)", cfgPath, legacyConfigPath)
			cfg, err, cfgPath = c, nil, legacyConfigPath
		}
	}
	if err != nil {
		return fmt.Errorf("read /%s: %w (is the boot partition mounted at /boot/firmware? set overlay.config_path in the plan otherwise)", cfgPath, err)
	}
	bootDir := path.Dir(cfgPath)
	step.Logf("read %s from /%s: %d overlay line(s) and %d dtparam(s) apply to a Pi 5, %d line(s) in other boards' sections skipped",
		strings.Join(cfg.Files, ", "), bootDir, len(cfg.Overlays), len(cfg.Params), cfg.Skipped)
	env.Facts["overlay.config"] = "/" + cfgPath

	checkWarnings(env, step, cfg, bootDir)
	overlaysDir := op.OverlaysDir
	if overlaysDir == "" || (cfgPath == legacyConfigPath && strings.HasPrefix(strings.TrimPrefix(overlaysDir, "/"), "boot/firmware/")) {
		overlaysDir = path.Join(bootDir, defaultOverlaysSubdir) // next to the config.txt read
	}
	checkOverlays(env, step, fsys, cfg, cfgPath, strings.TrimPrefix(overlaysDir, "/"))
	checkParams(env, step, cfg, cfgPath)

	if err := ctx.Err(); err != nil {
		return err
	}
	tree, err := devicetree.Open(fsys)
	if err != nil {
		return err
	}
	step.Logf("live device tree at /%s", tree.Root())
	checkNodes(env, step, tree, op.Nodes)
	if op.HATNode {
		checkHAT(env, step, tree, cfg)
	}
	return nil
}

func checkWarnings(env *stage.Env, step *report.Step, cfg *bootcfg.Config, bootDir string) {
	m := report.Measurement{Name: "config.warnings", Value: float64(len(cfg.Warnings)), Unit: "count", Limits: report.AtMost(0), Code: CodeConfigMalformed}
	if n := len(cfg.Warnings); n > 0 {
		var lines []string
		for _, w := range cfg.Warnings {
			step.Logf("config: /%s/%s", bootDir, w)
			if len(lines) < 3 {
				lines = append(lines, "/"+bootDir+"/"+w.String())
			}
		}
		more := ""
		if n > 3 {
			more = fmt.Sprintf(" (and %d more, see the step log)", n-3)
		}
		m.Message = fmt.Sprintf("%d line(s) the firmware cannot read: %s%s: fix or remove them (the firmware skips them silently)", n, strings.Join(lines, "; "), more)
	}
	stage.Measure(env, step, m)
}

func checkOverlays(env *stage.Env, step *report.Step, fsys fs.FS, cfg *bootcfg.Config, cfgPath, dir string) {
	checked := map[string]bool{}
	want := env.Plan.Overlay.Overlays
	if len(want) == 0 && env.Plan.HAT.Overlay != "" {
		want = []string{env.Plan.HAT.Overlay} // the overlay the HAT's EEPROM names
	}
	for _, name := range want {
		o, ok := cfg.Overlay(name)
		m := report.Measurement{Name: "overlay." + name + ".configured", Value: ok, Limits: report.Equal(true), Code: CodeOverlayMissing}
		if ok {
			step.Logf("dtoverlay=%s at %s", name, o.Pos)
		} else if na, ok := cfg.NotApplied(name); ok {
			m.Message = fmt.Sprintf("dtoverlay=%s at %s is under [%s], which does not apply to a Pi 5: move it under [all] (or [pi5]) and reboot", name, at(cfgPath, na.Pos), na.Section)
		} else {
			m.Message = fmt.Sprintf("no dtoverlay=%s line applies to a Pi 5 in /%s: add it under [all] (lines under [pi4], [cm4], [cm5] or [none] do not count on a Pi 5) and reboot; also check the HAT EEPROM names the overlay (aihat eeprom verify)", name, cfgPath)
		}
		stage.Measure(env, step, m)
		checkDTBO(env, step, fsys, dir, name)
		checked[name] = true
	}
	// Every other overlay that applies must load too.
	for _, o := range cfg.Overlays {
		if !checked[o.Name] {
			checked[o.Name] = true
			checkDTBO(env, step, fsys, dir, o.Name)
		}
	}
}

// checkDTBO finds name's blob: <name>.dtbo, or the Pi 5 variant
// <name>-pi5.dtbo the firmware's overlay map substitutes (vc4-kms-v3d).
func checkDTBO(env *stage.Env, step *report.Step, fsys fs.FS, dir, name string) {
	m := report.Measurement{Name: "overlay." + name + ".dtbo", Limits: report.Equal(true), Code: CodeDTBOMissing}
	want := path.Join(dir, name+".dtbo")
	var found string
	var data []byte
	for _, cand := range []string{want, path.Join(dir, name+"-pi5.dtbo")} {
		if b, err := fs.ReadFile(fsys, cand); err == nil {
			found, data = cand, b
			break
		}
	}
	switch {
	case found == "":
		m.Value = false
		m.Message = fmt.Sprintf("/%s is not installed, so the firmware cannot apply dtoverlay=%s: reinstall the package that ships it (for the AI HAT+ 2: sudo apt install --reinstall hailo-h10-all; stock overlays: raspi-firmware) and reboot", want, name)
	case len(data) < 4 || binary.BigEndian.Uint32(data) != dtboMagic:
		m.Value = false
		m.Message = fmt.Sprintf("/%s is not a device-tree blob (%d B, no 0xd00dfeed magic): the file is corrupt; reinstall it and reboot", found, len(data))
	default:
		m.Value = true
		step.Logf("overlay %s: /%s (%d B)", name, found, len(data))
	}
	stage.Measure(env, step, m)
}

func checkParams(env *stage.Env, step *report.Step, cfg *bootcfg.Config, cfgPath string) {
	for _, spec := range env.Plan.Overlay.DTParams {
		if len(spec.Names) == 0 {
			continue
		}
		p, ok := cfg.Param(spec.Names...)
		good := ok && (spec.Value == "" && p.On() || spec.Value != "" && p.Value == spec.Value)
		m := report.Measurement{Name: "dtparam." + spec.Name(), Value: good, Limits: report.Equal(true), Code: CodeDTParamMissing}
		want := "dtparam=" + spec.Name()
		if spec.Value != "" {
			want += "=" + spec.Value
		}
		why := ""
		if spec.Why != "" {
			why = " (" + spec.Why + ")"
		}
		switch {
		case good:
			step.Logf("%s=%s at %s", p.Name, p.Value, p.Pos)
		case !ok:
			if na, found := cfg.NotAppliedParam(spec.Names...); found {
				line := "dtparam=" + na.Name
				if na.Value != "" {
					line += "=" + na.Value
				}
				m.Message = fmt.Sprintf("%s at %s is under [%s], which does not apply to a Pi 5%s: move it under [all] and reboot", line, at(cfgPath, na.Pos), na.Section, why)
			} else {
				m.Message = fmt.Sprintf("no %s line applies to a Pi 5 in /%s%s: add it under [all] and reboot", want, cfgPath, why)
			}
		default:
			m.Message = fmt.Sprintf("%s sets %s=%s, the plan needs %s%s: change the line and reboot", at(cfgPath, p.Pos), p.Name, p.Value, want, why)
		}
		stage.Measure(env, step, m)
	}
	if p, ok := cfg.Param("pciex1_gen"); ok {
		// The firmware picks Gen 3 for the AI HAT+ 2 itself; pciex1_gen is
		// what the older AI Kit needed. Recorded, not judged.
		env.Facts["overlay.pciex1_gen"] = p.Value
		step.Add(report.Measurement{Name: "dtparam.pciex1_gen", Value: p.Value})
	}
}

func checkNodes(env *stage.Env, step *report.Step, tree *devicetree.Tree, nodes []plan.DTNodeSpec) {
	for _, n := range nodes {
		at := ""
		for _, p := range n.Paths {
			if tree.HasNode(p) {
				at = p
				break
			}
		}
		m := report.Measurement{Name: "dt." + n.Name + ".present", Value: at != "", Limits: report.Equal(true), Code: CodeDTNodeMissing}
		if at == "" {
			paths := make([]string, len(n.Paths))
			for i, p := range n.Paths {
				paths[i] = "/" + tree.Path(p)
			}
			why := ""
			if n.Why != "" {
				why = " (" + n.Why + ")"
			}
			m.Message = fmt.Sprintf("the live device tree has no %s node%s at %s: the firmware did not apply it; check the dtparam and dtoverlay lines in config.txt, update the bootloader and firmware (sudo rpi-eeprom-update -a, sudo apt full-upgrade) and reboot", n.Name, why, strings.Join(paths, " or "))
			stage.Measure(env, step, m)
			continue
		}
		stage.Measure(env, step, m)
		step.Logf("dt node %s at /%s", n.Name, tree.Path(at))
		if n.Compatible != "" {
			list, err := tree.StringList(at + "/compatible")
			if err != nil && !devicetree.IsNotExist(err) {
				step.Logf("%v", err)
			}
			got := strings.Join(list, " ")
			for _, c := range list {
				if c == n.Compatible {
					got = c
				}
			}
			cm := report.Measurement{Name: "dt." + n.Name + ".compatible", Value: got, Limits: report.Equal(n.Compatible), Code: CodeDTNodeCompatible}
			if got != n.Compatible {
				cm.Message = fmt.Sprintf("/%s/compatible is %q, the plan expects %q: this is not the node the plan means (another board or device tree?)", tree.Path(at), got, n.Compatible)
			}
			stage.Measure(env, step, cm)
		}
		for _, prop := range n.Cells {
			c, err := tree.Cells(at + "/" + prop)
			if err != nil || len(c) == 0 {
				step.Logf("dt node %s: no %s (%v)", n.Name, prop, err)
				continue
			}
			env.Facts["dt."+n.Name+"."+prop] = strconv.FormatUint(uint64(c[0]), 10)
			step.Add(report.Measurement{Name: "dt." + n.Name + "." + prop, Value: float64(c[0])})
		}
		if n.Status != "" {
			st, err := tree.String(at + "/status")
			if devicetree.IsNotExist(err) {
				st = "okay" // a node without status is enabled
			} else if err != nil {
				step.Logf("%v", err)
			}
			sm := report.Measurement{Name: "dt." + n.Name + ".status", Value: st, Limits: report.Equal(n.Status), Code: CodeDTNodeStatus}
			if st != n.Status {
				sm.Message = fmt.Sprintf("/%s/status is %q, want %q: the node is disabled; enable it in config.txt (for pcie1: dtparam=pciex1) and reboot", tree.Path(at), st, n.Status)
			}
			stage.Measure(env, step, sm)
		}
	}
}

// hatField is one property of the hat node and how to compare it.
type hatField struct {
	name    string
	fact    string
	planned string
	isID    bool
}

func checkHAT(env *stage.Env, step *report.Step, tree *devicetree.Tree, cfg *bootcfg.Config) {
	present := tree.HasNode("hat")
	m := report.Measurement{Name: "hat.present", Value: present, Limits: report.Equal(true), Code: CodeHATNodeMissing}
	if !present {
		m.Message = fmt.Sprintf("no /%s: the firmware found no HAT EEPROM at boot; check the HAT is seated on the 40-pin header, that its EEPROM is programmed (aihat eeprom verify), and reboot", tree.Path("hat"))
		if v, ok := cfg.Get("force_eeprom_read"); ok && v == "0" {
			m.Message = fmt.Sprintf("no /%s: config.txt sets force_eeprom_read=0, which stops the firmware reading the HAT EEPROM; remove that line and reboot", tree.Path("hat"))
		}
		stage.Measure(env, step, m)
		return
	}
	stage.Measure(env, step, m)

	h := env.Plan.HAT
	source := "the HAT EEPROM read in this run (eeprom.verify)"
	fromFacts := env.Facts["hat.vendor"] != "" || env.Facts["hat.product"] != ""
	if !fromFacts {
		source = "the plan (hat:)"
	}
	fields := []hatField{
		{name: "vendor", fact: env.Facts["hat.vendor"], planned: h.Vendor},
		{name: "product", fact: env.Facts["hat.product"], planned: h.Product},
		{name: "product_id", fact: env.Facts["hat.product_id"], planned: fmt.Sprintf("0x%04x", h.ProductID), isID: true},
		{name: "product_ver", fact: env.Facts["hat.product_ver"], planned: fmt.Sprintf("0x%04x", h.ProductVer), isID: true},
		{name: "uuid", fact: env.Facts["hat.uuid"], planned: h.UUID},
	}
	step.Logf("hat node cross-checked against %s", source)
	props, _ := tree.HAT()
	for _, f := range fields {
		got, ok := props[f.name]
		if !ok {
			step.Logf("/%s is absent", tree.Path("hat/"+f.name))
		}
		want := f.planned
		if fromFacts {
			want = f.fact
		}
		if f.isID {
			want = devicetree.NormID(want)
		}
		if f.name == "uuid" {
			want = strings.ToLower(want)
		}
		hm := report.Measurement{Name: "hat." + f.name, Value: got, Code: CodeHATNodeMismatch}
		switch {
		case want != "":
			hm.Limits = report.Equal(want)
			if got != want {
				hm.Message = fmt.Sprintf("/%s is %q, %s says %q: the firmware copies the EEPROM into the device tree at boot, so this boot saw another EEPROM content or another HAT; if the EEPROM was just programmed, reboot, otherwise check which HAT is fitted", tree.Path("hat/"+f.name), got, source, want)
			}
		case f.name == "uuid" && h.UUIDPattern != "":
			re, err := regexp.Compile(h.UUIDPattern)
			if err == nil && !re.MatchString(got) {
				stored := step.Add(hm)
				stored.Outcome = report.Fail
				stored.Message = fmt.Sprintf("/%s is %q, which does not match the plan's uuid_pattern %s", tree.Path("hat/uuid"), got, h.UUIDPattern)
				continue
			}
		}
		stage.Measure(env, step, hm)
	}
}

// at names a config line by its path on the board: /boot/firmware/config.txt:52.
func at(cfgPath string, p bootcfg.Pos) string {
	return "/" + path.Join(path.Dir(cfgPath), p.File) + ":" + strconv.Itoa(p.Line)
}
