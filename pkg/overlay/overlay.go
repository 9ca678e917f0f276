// Package overlay is the overlay.check stage. A HAT+ is set up by the
// firmware from its EEPROM, so what decides is the live device tree: the
// nodes the plan expects (pcie1 present, okay) and the hat node, which must
// agree with the HAT's EEPROM. config.txt (read as the firmware reads it,
// for a Pi 5) is reported and checked for lines that conflict: one the
// firmware cannot read, a dtoverlay whose .dtbo is not installed, a
// pciex1_gen below the plan's link, PCIe lines in a section that does not
// apply to a Pi 5 (named in the remedy when the tree shows their absence),
// force_eeprom_read=0. Overlays and dtparams are required only when a plan
// lists them (a HAT without a HAT+ EEPROM); the default plan lists none.
package overlay

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/aihat/aihat/pkg/accel"
	"io/fs"
	"path"
	"slices"
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
	CodeConfigConflict    = "CONFIG_CONFLICT"
	legacyConfigPath      = "boot/config.txt"
	defaultConfigPath     = "boot/firmware/config.txt"
	defaultOverlaysSubdir = "overlays"
)

// dtboMagic starts every flattened device tree blob.
const dtboMagic = 0xd00dfeed

// checkRun is overlay.check, the table's entry (Spec().Run).
func checkRun(ctx context.Context, env *stage.Env, step *report.Step) error {
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
	env.Findings.DT.ConfigPath = "/" + cfgPath

	checkWarnings(env, step, cfg, bootDir)
	for _, n := range cfg.Notes {
		step.Logf("config: /%s/%s", bootDir, n)
	}
	for _, r := range cfg.Initramfs {
		step.Logf("initramfs %s %s at %s", strings.Join(r.Files, ","), r.Addr, r.Pos)
	}
	logNotApplied(step, cfg, cfgPath)
	overlaysDir := op.OverlaysDir
	if overlaysDir == "" || (cfgPath == legacyConfigPath && strings.HasPrefix(strings.TrimPrefix(overlaysDir, "/"), "boot/firmware/")) {
		overlaysDir = path.Join(bootDir, defaultOverlaysSubdir) // next to the config.txt read
	}
	if d, ok := prefixedOverlays(fsys, cfg, bootDir); ok && strings.TrimPrefix(overlaysDir, "/") == path.Join(bootDir, defaultOverlaysSubdir) {
		step.Logf("overlays are read from /%s (os_prefix / overlay_prefix in config.txt)", d)
		overlaysDir = d
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
	checkNodes(env, step, tree, op.Nodes, cfg, cfgPath)
	checkLinkGen(env, step, cfg, cfgPath)
	if op.HATNode {
		checkHAT(env, step, tree, cfg)
	}
	return nil
}

// prefixedOverlays is where the firmware loads overlays from when
// config.txt sets os_prefix or overlay_prefix: ${os_prefix}${overlay_prefix}
// (default "overlays/"), where os_prefix counts only if
// ${os_prefix}${overlay_prefix}README exists (the firmware's viability test,
// config.txt documentation, boot options); ok is false when neither is set.
func prefixedOverlays(fsys fs.FS, cfg *bootcfg.Config, bootDir string) (string, bool) {
	osPrefix, hasOS := cfg.Get("os_prefix")
	ovPrefix, hasOv := cfg.Get("overlay_prefix")
	if !hasOS && !hasOv {
		return "", false
	}
	if !hasOv {
		ovPrefix = defaultOverlaysSubdir + "/"
	}
	// A prefix is relative to the boot partition (a leading '/' too).
	under := func(prefix string) string { return path.Join(bootDir, prefix) }
	if hasOS {
		if _, err := fs.Stat(fsys, under(osPrefix+ovPrefix+"README")); err == nil {
			return under(osPrefix + ovPrefix), true
		}
	}
	return under(ovPrefix), true
}

// pcieParams are the base-tree dtparams that turn the external PCIe port
// on or set its link (nvme is an alias of pciex1 on a Pi 5).
var pcieParams = []string{"pciex1", "nvme", "pciex1_gen", "pciex1_no_l0s", "pciex1_tperst_clk_ms"}

// logNotApplied reports PCIe lines that sit in a section that does not
// apply to a Pi 5: facts, judged only through what the live tree shows.
func logNotApplied(step *report.Step, cfg *bootcfg.Config, cfgPath string) {
	for _, p := range cfg.NotAppliedParams {
		if slices.Contains(pcieParams, p.Name) {
			step.Logf("dtparam=%s at %s is under [%s], which does not apply to a Pi 5: it has no effect", paramLine(p), at(cfgPath, p.Pos), p.Section)
		}
	}
	for _, o := range cfg.NotAppliedOverlays {
		step.Logf("dtoverlay=%s at %s is under [%s], which does not apply to a Pi 5: it has no effect", o.Name, at(cfgPath, o.Pos), o.Section)
	}
}

func paramLine(p bootcfg.Param) string {
	if p.Value == "" {
		return p.Name
	}
	return p.Name + "=" + p.Value
}

// checkLinkGen judges a dtparam=pciex1_gen line against the plan's limit
// overlay.check.dtparam.pciex1_gen (Gen 3 for the AI HAT+ family, which
// the firmware sets up by itself; a plan that accepts Gen 2 makes 2
// marginal): a lower value caps the link. The live tree's max-link-speed
// (read by checkNodes) says whether the cap took effect; a line the tree
// overrides is only logged.
func checkLinkGen(env *stage.Env, step *report.Step, cfg *bootcfg.Config, cfgPath string) {
	// A PCIe parameter after a dtoverlay= line still reaches the base tree
	// (the overlay has no such parameter), so its overlay context is not
	// looked at.
	p, ok := cfg.Param("pciex1_gen")
	if !ok {
		return
	}
	env.Findings.DT.PCIeX1Gen = p.Value
	step.Logf("dtparam=pciex1_gen=%s at %s", p.Value, at(cfgPath, p.Pos))
	want := accel.WantSpeed(env.Plan)
	wantGen := accel.Gen(want)
	treeGen := 0
	for k, v := range env.Findings.DT.Cells {
		if strings.HasSuffix(k, ".max-link-speed") {
			treeGen = int(v)
		}
	}
	gen, err := strconv.Atoi(p.Value)
	m := stage.M{Name: "dtparam.pciex1_gen", Value: p.Value, Code: CodeConfigConflict}
	if err == nil && gen >= 1 && gen < wantGen && treeGen >= wantGen {
		step.Logf("%s sets dtparam=pciex1_gen=%d, but the live tree allows Gen %d: the line has no effect", at(cfgPath, p.Pos), gen, treeGen)
		m.Value, m.Record = float64(gen), true // recorded, not judged: it did not take
		stage.Measure(env, step, m)
		return
	}
	if err != nil || gen < 1 || gen > 3 {
		m.Remedy = fmt.Sprintf("%s sets dtparam=pciex1_gen=%s: the Pi 5's external port takes 1, 2 or 3; fix the line and reboot", at(cfgPath, p.Pos), p.Value)
	} else {
		m.Value = float64(gen)
		why := fmt.Sprintf("%s sets dtparam=pciex1_gen=%d, which caps the external PCIe link at Gen %d; the plan expects Gen %d (%g GT/s), which the firmware sets up for the AI HAT+ family by itself", at(cfgPath, p.Pos), gen, gen, wantGen, want)
		m.Remedy = why + ": remove the line (or set dtparam=pciex1_gen=" + strconv.Itoa(wantGen) + ") and reboot"
		m.Marginal = why + ": accepted as marginal (the plan's limit overlay.check.dtparam.pciex1_gen)"
	}
	stage.Measure(env, step, m)
}

func checkWarnings(env *stage.Env, step *report.Step, cfg *bootcfg.Config, bootDir string) {
	m := stage.M{Name: "config.warnings", Value: float64(len(cfg.Warnings)), Unit: "count", Code: CodeConfigMalformed}
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
		m.Remedy = fmt.Sprintf("%d line(s) the firmware cannot read: %s%s: fix or remove them (the firmware skips them silently)", n, strings.Join(lines, "; "), more)
	}
	stage.Measure(env, step, m)
}

func checkOverlays(env *stage.Env, step *report.Step, fsys fs.FS, cfg *bootcfg.Config, cfgPath, dir string) {
	checked := map[string]bool{}
	// Only overlays the plan lists are required; a HAT+'s own overlay is
	// applied by the firmware from its EEPROM, with no config.txt line.
	for _, name := range env.Plan.Overlay.Overlays {
		o, ok := cfg.Overlay(name)
		m := stage.M{Name: "overlay." + name + ".configured", Value: ok, Code: CodeOverlayMissing}
		if ok {
			step.Logf("dtoverlay=%s at %s", name, o.Pos)
		} else if na, ok := cfg.NotApplied(name); ok {
			m.Remedy = fmt.Sprintf("dtoverlay=%s at %s is under [%s], which does not apply to a Pi 5: move it under [all] (or [pi5]) and reboot", name, at(cfgPath, na.Pos), na.Section)
		} else {
			m.Remedy = fmt.Sprintf("no dtoverlay=%s line applies to a Pi 5 in /%s, and the plan requires one: add it under [all] (lines under [pi4], [cm4], [cm5] or [none] do not count on a Pi 5) and reboot", name, cfgPath)
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
	m := stage.M{Name: "overlay." + name + ".dtbo", Code: CodeDTBOMissing}
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
		m.Remedy = fmt.Sprintf("/%s is not installed, so the firmware skips dtoverlay=%s: install the package that ships it (stock overlays: sudo apt install --reinstall raspi-firmware; an overlay added upstream may need sudo apt full-upgrade) or remove the line, and reboot", want, name)
	case len(data) < 4 || binary.BigEndian.Uint32(data) != dtboMagic:
		m.Value = false
		m.Remedy = fmt.Sprintf("/%s is not a device-tree blob (%d B, no 0xd00dfeed magic): the file is corrupt; reinstall it and reboot", found, len(data))
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
		m := stage.M{Name: "dtparam." + spec.Name(), Value: good, Code: CodeDTParamMissing}
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
				m.Remedy = fmt.Sprintf("%s at %s is under [%s], which does not apply to a Pi 5%s: move it under [all] and reboot", line, at(cfgPath, na.Pos), na.Section, why)
			} else {
				m.Remedy = fmt.Sprintf("no %s line applies to a Pi 5 in /%s%s: add it under [all] and reboot", want, cfgPath, why)
			}
		default:
			m.Remedy = fmt.Sprintf("%s sets %s=%s, the plan needs %s%s: change the line and reboot", at(cfgPath, p.Pos), p.Name, p.Value, want, why)
		}
		stage.Measure(env, step, m)
	}
}

func checkNodes(env *stage.Env, step *report.Step, tree *devicetree.Tree, nodes []plan.DTNodeSpec, cfg *bootcfg.Config, cfgPath string) {
	for _, n := range nodes {
		at := ""
		for _, p := range n.Paths {
			if tree.HasNode(p) {
				at = p
				break
			}
		}
		m := stage.M{Name: "dt." + n.Name + ".present", Value: at != "", Code: CodeDTNodeMissing}
		if at == "" {
			paths := make([]string, len(n.Paths))
			for i, p := range n.Paths {
				paths[i] = "/" + tree.Path(p)
			}
			why := ""
			if n.Why != "" {
				why = " (" + n.Why + ")"
			}
			m.Remedy = fmt.Sprintf("the live device tree has no %s node%s at %s: the firmware did not apply it; check the dtparam and dtoverlay lines in config.txt, update the bootloader and firmware (sudo rpi-eeprom-update -a, sudo apt full-upgrade) and reboot", n.Name, why, strings.Join(paths, " or "))
			stage.Measure(env, step, m)
			continue
		}
		stage.Measure(env, step, m)
		step.Logf("dt node %s at /%s", n.Name, tree.Path(at))
		key := step.Name + ".dt." + n.Name
		if want := env.Plan.Limit(key + ".compatible"); want != nil {
			list, err := tree.StringList(at + "/compatible")
			if err != nil && !devicetree.IsNotExist(err) {
				step.Logf("%v", err)
			}
			// A node lists several compatibles; the one the plan names
			// stands for the node when it is among them.
			got := strings.Join(list, " ")
			for _, c := range list {
				if c == fmt.Sprint(want.Equals) {
					got = c
				}
			}
			stage.Measure(env, step, stage.M{Name: "dt." + n.Name + ".compatible", Value: got, Code: CodeDTNodeCompatible,
				Remedy: fmt.Sprintf("/%s/compatible is %q, the plan expects %s: this is not the node the plan means (another board or device tree?)", tree.Path(at), got, want)})
		}
		for _, prop := range n.Cells {
			c, err := tree.Cells(at + "/" + prop)
			if err != nil || len(c) == 0 {
				step.Logf("dt node %s: no %s (%v)", n.Name, prop, err)
				continue
			}
			if env.Findings.DT.Cells == nil {
				env.Findings.DT.Cells = map[string]uint32{}
			}
			env.Findings.DT.Cells[n.Name+"."+prop] = c[0]
			stage.Measure(env, step, stage.M{Name: "dt." + n.Name + "." + prop, Value: float64(c[0])})
		}
		st, err := tree.String(at + "/status")
		if devicetree.IsNotExist(err) {
			st = "okay" // a node without status is enabled
		} else if err != nil {
			step.Logf("%v", err)
		}
		stage.Measure(env, step, stage.M{Name: "dt." + n.Name + ".status", Value: st, Code: CodeDTNodeStatus,
			Remedy: fmt.Sprintf("/%s/status is %q, want %s: %s", tree.Path(at), st, env.Plan.Limit(key+".status"), disabledRemedy(cfg, cfgPath))})
	}
}

// disabledRemedy explains a disabled controller from config.txt: the
// firmware enables pcie1 for a HAT+ it knows; otherwise a dtparam=pciex1
// line must apply to a Pi 5.
func disabledRemedy(cfg *bootcfg.Config, cfgPath string) string {
	if p, ok := cfg.Param("pciex1", "nvme"); ok && !p.On() {
		return fmt.Sprintf("%s sets dtparam=%s, which turns the port off: remove the line and reboot", at(cfgPath, p.Pos), paramLine(p))
	}
	if p, ok := cfg.NotAppliedParam("pciex1", "nvme"); ok {
		return fmt.Sprintf("the firmware did not enable the port from the HAT's EEPROM, and dtparam=%s at %s is under [%s], which does not apply to a Pi 5: move it under [all] (or [pi5]), update the bootloader and firmware (sudo rpi-eeprom-update -a, sudo apt full-upgrade) and reboot", paramLine(p), at(cfgPath, p.Pos), p.Section)
	}
	return "the firmware did not enable the node: update the bootloader and firmware (sudo rpi-eeprom-update -a, sudo apt full-upgrade), check the HAT EEPROM is read (hat node present), and for a board the firmware does not know add dtparam=pciex1 under [all]; reboot"
}

// hatFields are the hat node's identity properties, in record order.
var hatFields = []string{"vendor", "product", "product_id", "product_ver", "uuid"}

// checkHAT checks the firmware's hat node: present, and agreeing with the
// EEPROM read in this run (env.Findings.HAT, from eeprom.verify) as one
// measurement, hat.matches_eeprom, naming every field that differs. This
// is the one place the node is compared with the EEPROM. Without an
// EEPROM read in the run, each field is recorded and judged by the
// identity limits the plan names for the EEPROM (eeprom.verify.<field>),
// since the firmware copied the node from it.
func checkHAT(env *stage.Env, step *report.Step, tree *devicetree.Tree, cfg *bootcfg.Config) {
	present := tree.HasNode("hat")
	m := stage.M{Name: "hat.present", Value: present, Code: CodeHATNodeMissing,
		Remedy: fmt.Sprintf("no /%s: the firmware found no HAT EEPROM at boot; check the HAT is seated on the 40-pin header, that its EEPROM is programmed (aihat eeprom verify), and reboot", tree.Path("hat"))}
	if v, ok := cfg.Get("force_eeprom_read"); ok && v == "0" {
		m.Remedy = fmt.Sprintf("no /%s: config.txt sets force_eeprom_read=0, which stops the firmware reading the HAT EEPROM; remove that line and reboot", tree.Path("hat"))
	}
	stage.Measure(env, step, m)
	if !present {
		return
	}
	props, _ := tree.HAT()
	got := func(f string) (string, bool) {
		v, ok := props[f]
		switch f {
		case "product_id", "product_ver":
			v = devicetree.NormID(v)
		case "uuid":
			v = strings.ToLower(v)
		}
		return v, ok
	}
	if id := env.Findings.HAT; id != nil {
		want := map[string]string{"vendor": id.Vendor, "product": id.Product,
			"product_id": fmt.Sprintf("0x%04x", id.ProductID), "product_ver": fmt.Sprintf("0x%04x", id.ProductVer), "uuid": strings.ToLower(id.UUID)}
		var diff []string
		for _, f := range hatFields {
			v, ok := got(f)
			if !ok {
				step.Logf("/%s is absent", tree.Path("hat/"+f))
			}
			step.Logf("/%s = %q, the EEPROM read in this run: %q", tree.Path("hat/"+f), v, want[f])
			if v != want[f] {
				diff = append(diff, fmt.Sprintf("%s is %q, the EEPROM %q", f, v, want[f]))
			}
		}
		stage.Measure(env, step, stage.M{Name: "hat.matches_eeprom", Value: len(diff) == 0, Code: CodeHATNodeMismatch,
			Remedy: fmt.Sprintf("/%s disagrees with the HAT EEPROM read in this run (eeprom.verify): %s; the firmware copies the EEPROM into the device tree at boot, so this boot saw another EEPROM content or another HAT; if the EEPROM was just programmed, reboot, otherwise check which HAT is fitted", tree.Path("hat"), strings.Join(diff, "; "))})
		return
	}
	step.Logf("no EEPROM read in this run: hat node fields judged by the plan's eeprom.verify identity limits, where it names them")
	for _, f := range hatFields {
		v, ok := got(f)
		if !ok {
			step.Logf("/%s is absent", tree.Path("hat/"+f))
			continue
		}
		stage.Measure(env, step, stage.M{Name: "hat." + f, Key: "eeprom.verify." + f, Value: v, Code: CodeHATNodeMismatch,
			Remedy: fmt.Sprintf("/%s is %q, the plan's HAT identity says %s: the firmware copies the EEPROM into the device tree at boot, so this boot saw another EEPROM content or another HAT; if the EEPROM was just programmed, reboot, otherwise check which HAT is fitted", tree.Path("hat/"+f), v, env.Plan.Limit("eeprom.verify."+f))})
	}
}

// at names a config line by its path on the board: /boot/firmware/config.txt:52.
func at(cfgPath string, p bootcfg.Pos) string {
	return "/" + path.Join(path.Dir(cfgPath), p.File) + ":" + strconv.Itoa(p.Line)
}
