// Package driver is the driver.check stage: is the accelerator's kernel
// module loaded (and which version), did the accelerator enumerate on the
// external PCIe port with the expected link, and is its device node there,
// a character device that the invoking user can open. It also generates
// the udev rule and the systemd unit that go with the device node.
package driver

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/aihat/aihat/pkg/accel"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// Failure codes of driver.check.
const (
	CodeNotLoaded    = "DRIVER_NOT_LOADED"
	CodeLinkDown     = "PCIE_LINK_DOWN"
	CodeWrongDevice  = "PCIE_WRONG_DEVICE"
	CodeLinkSlow     = "PCIE_LINK_SLOW"
	CodeLinkNarrow   = "PCIE_LINK_NARROW"
	CodeNodeMissing  = "DEVNODE_MISSING"
	CodeNodeNotChar  = "DEVNODE_NOT_CHAR"
	CodeNodePerms    = "DEVNODE_PERMS"
	kernelReleaseKey = "proc/sys/kernel/osrelease"
)

// checkRun is driver.check, the table's entry (Spec().Run). It sets
// env.Findings.Driver and, when hailortcli identifies the NPU,
// env.Findings.NPU.
func checkRun(ctx context.Context, env *stage.Env, step *report.Step) error {
	d := env.Plan.Driver
	if err := d.Check(); err != nil {
		return err
	}
	fsys := env.Board.FS()

	kernel := "unknown"
	if b, err := fs.ReadFile(fsys, kernelReleaseKey); err == nil {
		kernel = strings.TrimSpace(string(b))
		env.Findings.Driver.KernelRelease = kernel
		stage.Measure(env, step, stage.M{Name: "kernel.release", Value: kernel})
	} else {
		step.Logf("kernel release unknown: %v", err)
	}

	loaded := checkModule(env, step, d, kernel)
	if err := ctx.Err(); err != nil {
		return err
	}
	dev, err := accel.FindAccelerator(fsys, d)
	if err != nil {
		return err
	}
	checkPCIe(env, step, d, dev)
	checkNode(env, step, d, loaded, dev != nil)
	if dev != nil && loaded {
		npuIdentity(ctx, env, step, dev)
	}
	return nil
}

// Modules returns the loaded modules from proc/modules.
func Modules(fsys fs.FS) (map[string]bool, error) {
	b, err := fs.ReadFile(fsys, "proc/modules")
	if err != nil {
		return nil, err
	}
	mods := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			mods[f[0]] = true
		}
	}
	return mods, nil
}

func checkModule(env *stage.Env, step *report.Step, d plan.DriverPlan, kernel string) bool {
	fsys := env.Board.FS()
	name := d.Module
	mods, err := Modules(fsys)
	loaded := mods[name]
	how := "/proc/modules"
	if err != nil {
		step.Logf("read /proc/modules: %v", err)
	}
	if !loaded {
		// A module built into the kernel is in sys/module but not in
		// proc/modules; a loadable one being removed has initstate "going".
		if st, serr := fs.ReadFile(fsys, "sys/module/"+name+"/initstate"); serr == nil {
			loaded, how = strings.TrimSpace(string(st)) == "live", "/sys/module/"+name+"/initstate"
		} else if fi, serr := fs.Stat(fsys, "sys/module/"+name); serr == nil && fi.IsDir() {
			loaded, how = true, "/sys/module/"+name+" (built in)"
		}
	}
	env.Findings.Driver.Module = name
	m := stage.M{Name: "module.loaded", Value: loaded, Code: CodeNotLoaded}
	if loaded {
		step.Logf("module %s loaded (%s)", name, how)
	} else {
		other := ""
		for _, id := range d.PCIIDs {
			if id.Module != "" && id.Module != name && mods[id.Module] {
				other = fmt.Sprintf(" %s (the %s driver) is loaded instead: the packages for the two chips cannot co-exist (hailo-all vs hailo-h10-all); remove the other one.", id.Module, id.Chip)
			}
		}
		m.Remedy = fmt.Sprintf("kernel module %s is not loaded (not in /proc/modules).%s %s", name, other, moduleAdvice(fsys, step, name, kernel))
	}
	stage.Measure(env, step, m)
	if b, err := fs.ReadFile(fsys, "sys/module/"+name+"/version"); err == nil {
		v := strings.TrimSpace(string(b))
		env.Findings.Driver.Version = v
		stage.Measure(env, step, stage.M{Name: "module.version", Value: v})
	}
	return loaded
}

// ModuleFiles finds name's module file (.ko, .ko.xz, .ko.zst, .ko.gz)
// under lib/modules, by kernel release.
func ModuleFiles(fsys fs.FS, name string) map[string][]string {
	out := map[string][]string{}
	rels, err := fs.ReadDir(fsys, "lib/modules")
	if err != nil {
		return out
	}
	want := strings.ReplaceAll(name, "-", "_")
	for _, r := range rels {
		if !r.IsDir() {
			continue
		}
		base := path.Join("lib/modules", r.Name())
		_ = fs.WalkDir(fsys, base, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			n := d.Name()
			for _, ext := range []string{".ko", ".ko.xz", ".ko.zst", ".ko.gz"} {
				if stem, ok := strings.CutSuffix(n, ext); ok && strings.ReplaceAll(stem, "-", "_") == want {
					out[r.Name()] = append(out[r.Name()], p)
				}
			}
			return nil
		})
	}
	return out
}

// moduleAdvice says why name may not load, from what lib/modules holds.
func moduleAdvice(fsys fs.FS, step *report.Step, name, kernel string) string {
	generic := fmt.Sprintf("Run `sudo modprobe %s`; if that fails with 'Invalid module format' or 'not found', the module was not built for the running kernel %s: compare `modinfo -F vermagic %s` with `uname -r` and reinstall the driver package (hailo-h10-all, DKMS) for this kernel; see `dmesg | grep -i hailo`", name, kernel, name)
	if _, err := fs.Stat(fsys, "lib/modules"); err != nil {
		return generic
	}
	files := ModuleFiles(fsys, name)
	if f := files[kernel]; len(f) > 0 {
		step.Logf("%s is installed for the running kernel: /%s", name, f[0])
		return fmt.Sprintf("It is installed for the running kernel %s (/%s): run `sudo modprobe %s` and read `dmesg | grep -i hailo` for why it did not load (firmware, HailoRT version mismatch)", kernel, f[0], name)
	}
	var others []string
	for rel, f := range files {
		others = append(others, rel)
		step.Logf("%s is installed for kernel %s: /%s", name, rel, f[0])
	}
	sort.Strings(others)
	if len(others) > 0 {
		return fmt.Sprintf("It is built only for kernel %s, not for the running kernel %s (a kernel upgrade without a driver rebuild): reinstall the driver package so DKMS builds it for this kernel (sudo apt install --reinstall hailo-h10-all) and reboot, or boot the kernel it was built for", strings.Join(others, ", "), kernel)
	}
	return fmt.Sprintf("No %s module file under /lib/modules for any kernel: install the driver package (sudo apt install hailo-h10-all) and reboot", name)
}

func checkPCIe(env *stage.Env, step *report.Step, d plan.DriverPlan, dev *accel.Device) {
	vendors := make([]string, 0)
	for _, v := range d.Vendors() {
		vendors = append(vendors, fmt.Sprintf("0x%04x", v))
	}
	m := stage.M{Name: "pcie.present", Value: dev != nil, Code: CodeLinkDown}
	if dev == nil {
		m.Remedy = fmt.Sprintf("no accelerator (PCI vendor %s) under /%s: the PCIe link did not come up. Power off, reseat the ribbon cable at both ends (contacts the right way round), check dtparam=pciex1 in config.txt, update the bootloader (sudo rpi-eeprom-update -a) and boot again; `lspci` must list it at %s", strings.Join(vendors, "/"), accel.PCIDevicesDir, strings.Join(d.PCIAddresses, " or "))
		stage.Measure(env, step, m)
		why := "not measured: no accelerator on the PCIe bus (see pcie.present)"
		stage.Skipped(step, "pcie.link_speed", why)
		stage.Skipped(step, "pcie.link_width", why)
		return
	}
	stage.Measure(env, step, m)
	env.Findings.Driver.PCIeAddress = dev.Address
	known := false
	for _, a := range d.PCIAddresses {
		known = known || a == dev.Address
	}
	step.Logf("accelerator %04x:%04x at %s (bound driver %q)", dev.Vendor, dev.Device, dev.Address, dev.Driver)
	if !known && len(d.PCIAddresses) > 0 {
		step.Logf("address %s is not one the plan lists (%s): another slot or a switch?", dev.Address, strings.Join(d.PCIAddresses, ", "))
	}
	stage.Measure(env, step, stage.M{Name: "pcie.address", Value: dev.Address})
	if dev.Driver != "" {
		stage.Measure(env, step, stage.M{Name: "pcie.driver", Value: dev.Driver})
	}
	chip := dev.Chip
	if chip == "" {
		chip = fmt.Sprintf("unknown 0x%04x:0x%04x", dev.Vendor, dev.Device)
	}
	mod := ""
	if e, ok := d.Lookup(dev.Vendor, dev.Device); ok && e.Module != "" && e.Module != d.Module {
		mod = fmt.Sprintf(" (it needs %s, not %s)", e.Module, d.Module)
	}
	stage.Measure(env, step, stage.M{Name: "pcie.chip", Value: chip, Code: CodeWrongDevice,
		Remedy: fmt.Sprintf("the accelerator at %s is a %s%s, the plan is for a %s: the wrong HAT is fitted, or use the plan made for this one (--plan)", dev.Address, chip, mod, env.Plan.Limit(step.Name+".pcie.chip"))})

	speed, ok := accel.ParseLinkSpeed(dev.LinkSpeed)
	sm := stage.M{Name: "pcie.link_speed", Unit: "GT/s", Code: CodeLinkSlow}
	if ok {
		sm.Value = speed
		env.Findings.Driver.LinkSpeed = dev.LinkSpeed
	}
	want := accel.WantSpeed(env.Plan)
	read := dev.LinkSpeed
	if read == "" {
		read = "nothing"
	}
	sm.Remedy = fmt.Sprintf("current_link_speed reads %q (Gen %d), the plan expects %g GT/s (Gen %d): power off and reseat the ribbon cable, try another cable; the Pi 5 is not certified for Gen 3, so if it never trains at Gen 3 either accept Gen 2 in the plan (limits: %s: {low: 5, marginal_low: 8}) or set dtparam=pciex1_gen=2", read, accel.Gen(speed), want, accel.Gen(want), accel.LinkSpeedKey)
	if key, gen := dtLinkLimit(env.Findings.DT.Cells); gen > 0 && gen < accel.Gen(want) {
		sm.Remedy = fmt.Sprintf("current_link_speed reads %q (Gen %d), the plan expects %g GT/s (Gen %d), and the device tree caps the controller at Gen %d (%s, seen by overlay.check): the firmware did not apply Gen %d; set dtparam=pciex1_gen=%d in config.txt, update the bootloader (sudo rpi-eeprom-update -a) and reboot", read, accel.Gen(speed), want, accel.Gen(want), gen, key, accel.Gen(want), accel.Gen(want))
	}
	sm.Marginal = fmt.Sprintf("the link trained at %g GT/s (Gen %d), below the %g GT/s (Gen %d) expected; the plan accepts it as marginal", speed, accel.Gen(speed), want, accel.Gen(want))
	stage.Measure(env, step, sm)
	if ms, ok := accel.ParseLinkSpeed(dev.MaxLinkSpeed); ok {
		stage.Measure(env, step, stage.M{Name: "pcie.max_link_speed", Value: ms, Unit: "GT/s"})
	}

	wm := stage.M{Name: "pcie.link_width", Unit: "lanes", Code: CodeLinkNarrow,
		Remedy: fmt.Sprintf("current_link_width reads %q, the plan expects %s lanes: reseat the ribbon cable", dev.LinkWidth, env.Plan.Limit(step.Name+".pcie.link_width"))}
	if w, err := strconv.Atoi(dev.LinkWidth); err == nil {
		wm.Value = float64(w)
	}
	stage.Measure(env, step, wm)
}

func checkNode(env *stage.Env, step *report.Step, d plan.DriverPlan, loaded, enumerated bool) {
	if !loaded || !enumerated {
		why := "not checked: the driver is not loaded (see module.loaded)"
		if !enumerated {
			why = "not checked: no accelerator on the PCIe bus (see pcie.present)"
		}
		stage.Skipped(step, "devnode.present", why)
		return
	}
	fsys := env.Board.FS()
	var node accel.Node
	var spec plan.DevNodeSpec
	names := make([]string, 0, len(d.DevNodes))
	for _, s := range d.DevNodes {
		names = append(names, "/dev/"+s.Name)
		if n := accel.StatNode(fsys, s.Name); n.Exists && !node.Exists {
			node, spec = n, s
		}
	}
	stage.Measure(env, step, stage.M{Name: "devnode.present", Value: node.Exists, Code: CodeNodeMissing,
		Remedy: fmt.Sprintf("none of %s exists although %s is loaded and the device enumerated: the driver did not finish probing; see `dmesg | grep -i hailo` (firmware load timeout err -110, firmware missing under /lib/firmware/hailo/), and check the HailoRT and driver versions match", strings.Join(names, ", "), d.Module)})
	if !node.Exists {
		return
	}
	env.Findings.Driver.DevNode = "/" + node.Path
	step.Logf("/%s: %s (driver %s, class %s; from %s)", node.Path, node, spec.Driver, spec.Class, node.Source)
	stage.Measure(env, step, stage.M{Name: "devnode.path", Value: "/" + node.Path})
	if v := env.Findings.Driver.Version; v != "" && spec.Driver != "" && !versionIn(v, spec.Driver) {
		step.Logf("note: /%s is the node of driver %s, but the loaded module reports version %s (a stale node or a mixed install?)", node.Path, spec.Driver, v)
	}

	stage.Measure(env, step, stage.M{Name: "devnode.char_device", Value: node.Char, Code: CodeNodeNotChar,
		Remedy: fmt.Sprintf("/%s is not a character device (%s): something created a plain file there; remove it and reload the driver (sudo modprobe -r %s && sudo modprobe %s)", node.Path, node, d.Module, d.Module)})

	user := accel.InvokingUser(env.Board)
	ok, _ := accel.CanOpen(node, user)
	am := stage.M{Name: "devnode.accessible", Value: ok, Code: CodeNodePerms}
	if !ok {
		group := ""
		if node.Owner {
			if g := accel.GroupName(fsys, node.GID); g != "" {
				group = " (group " + g + ")"
			}
		}
		rule := d.UdevRule
		if rule == "" {
			rule = "/etc/udev/rules.d/51-hailo-udev.rules"
		}
		line, _ := RuleLine(d, spec)
		m := strings.TrimSpace(line)
		am.Remedy = fmt.Sprintf("/%s is %s%s and %s cannot open it read-write: install the udev rule %s (%s; `aihat driver udev-rule | sudo tee %s`), then `sudo udevadm control --reload && sudo udevadm trigger`", node.Path, node, group, user, rule, m, rule)
		if d.Group != "" {
			am.Remedy += fmt.Sprintf(", and add the user to group %s", d.Group)
		}
	}
	stage.Measure(env, step, am)
}

// versionIn reports whether version v ("5.3.0") is in span ("5.3",
// "5.1-5.2"), comparing major.minor.
func versionIn(v, span string) bool {
	mm := func(s string) (int, int, bool) {
		f := strings.SplitN(strings.TrimSpace(s), ".", 3)
		if len(f) < 2 {
			return 0, 0, false
		}
		a, err1 := strconv.Atoi(f[0])
		b, err2 := strconv.Atoi(f[1])
		return a, b, err1 == nil && err2 == nil
	}
	lo, hi, _ := strings.Cut(span, "-")
	if hi == "" {
		hi = lo
	}
	va, vb, ok1 := mm(v)
	la, lb, ok2 := mm(lo)
	ha, hb, ok3 := mm(hi)
	if !ok1 || !ok2 || !ok3 {
		return true // cannot tell: no note
	}
	x, l, h := va*1000+vb, la*1000+lb, ha*1000+hb
	return x >= l && x <= h
}

// dtLinkLimit returns the max-link-speed generation overlay.check found in
// the live device tree for a PCIe node (cells "<node>.max-link-speed"),
// named as overlay.check records it ("dt.<node>.max-link-speed").
func dtLinkLimit(cells map[string]uint32) (string, int) {
	keys := make([]string, 0)
	for k := range cells {
		if strings.HasSuffix(k, ".max-link-speed") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		return "dt." + k, int(cells[k])
	}
	return "", 0
}
