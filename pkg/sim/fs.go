package sim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"syscall"
	"time"
)

// entry is one file of the rendered tree; content is produced when the
// file is opened, from the model at that virtual time.
type entry struct {
	mode    fs.FileMode
	content func() []byte
	sys     *syscall.Stat_t
	// present, when set, says whether the file exists now (a device
	// node that comes and goes); callers hold b.mu.
	present func() bool
}

// tree lists every file of the simulated root at the current state.
// Directories are implied by paths.
func (b *Board) tree() map[string]entry {
	f := simFiles{}
	b.deviceTreeFiles(f)
	b.bootFiles(f)
	b.kernelFiles(f)
	b.sensorFiles(f)
	b.pcieFiles(f)
	// The header GPIO chip has no sysfs file here: a real kernel gives its
	// label only through the chip-info ioctl on /dev/gpiochipN, and the sim
	// keeps the label as a property of its chip (Line in gpio.go).

	// The inference server's process (issue 16's load test watches it).
	b.procFiles(f)
	b.deviceNodes(f)
	return f
}

// simFiles are the files of the simulated root by path.
type simFiles map[string]entry

// static is a file whose content is fixed now.
func (f simFiles) static(p string, s string) {
	f[p] = entry{mode: 0o444, content: func() []byte { return []byte(s) }}
}

// dynamic is a file read at each open (a sensor).
func (f simFiles) dynamic(p string, fn func() string) {
	f[p] = entry{mode: 0o444, content: func() []byte { return []byte(fn()) }}
}

func (f simFiles) raw(p string, d []byte) {
	f[p] = entry{mode: 0o444, content: func() []byte { return d }}
}

// deviceTreeFiles is the device tree as the firmware left it.
func (b *Board) deviceTreeFiles(f simFiles) {
	st := b.state
	dt := "proc/device-tree/"
	f.static(dt+"model", st.Model+"\x00")
	f.static(dt+"compatible", strings.Join(st.Compatible, "\x00")+"\x00")
	f.static(dt+"serial-number", st.Serial+"\x00")
	f.raw(dt+"chosen/power/max_current", be32(st.MaxCurrentmA))
	for p, v := range st.DT {
		f.raw(dt+p, v)
	}
	if st.HatNode != nil {
		f.static(dt+"hat/name", "hat\x00")
		for k, v := range st.HatNode {
			f.static(dt+"hat/"+k, v+"\x00")
		}
	}
	// proc/device-tree is a link to sys/firmware/devicetree/base: the same
	// tree under both names.
	for p, e := range f {
		if strings.HasPrefix(p, dt) {
			f["sys/firmware/devicetree/base/"+p[len(dt):]] = e
		}
	}
}

// bootFiles is the boot partition: config.txt, the overlays, and the
// extra files a fault adds.
func (b *Board) bootFiles(f simFiles) {
	st := b.state
	f.static("boot/firmware/config.txt", st.ConfigTxt)
	for name, dtbo := range st.Overlays {
		f.raw("boot/firmware/overlays/"+name+".dtbo", dtbo)
	}
	for p, v := range st.ExtraFiles {
		f.static(p, v)
	}
}

// kernelFiles are what the kernel shows: its release, CPU and memory,
// the modules, and the groups the device nodes belong to.
func (b *Board) kernelFiles(f simFiles) {
	st := b.state
	f.static("proc/sys/kernel/osrelease", st.Kernel+"\n")
	f.static("proc/sys/kernel/random/boot_id", st.BootID+"\n")
	f.static("proc/version", fmt.Sprintf("Linux version %s (serge@raspberrypi.com) (aarch64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT Debian 1:6.12.47-1+rpt1 (2025-09-16) aarch64\n", st.Kernel))
	f.static("proc/cpuinfo", cpuinfo(st))
	// An 8 GB Pi 5's /proc/meminfo, the lines telemetry reads among the
	// kernel's others, in its format (kB).
	f.static("proc/meminfo", "MemTotal:        8245648 kB\nMemFree:         7093504 kB\nMemAvailable:    7612416 kB\nBuffers:           31232 kB\nCached:           622592 kB\nSlab:              98304 kB\n")
	f.static("proc/modules", procModules(st.Modules))
	for name, ver := range st.Modules {
		f.static("sys/module/"+name+"/initstate", "live\n")
		if ver != "" {
			f.static("sys/module/"+name+"/version", ver+"\n")
		}
	}
	// The driver package installs its module for the running kernel (DKMS).
	f.static("lib/modules/"+st.Kernel+"/modules.dep", "updates/dkms/hailo1x_pci.ko.xz:\n")
	f.static("lib/modules/"+st.Kernel+"/updates/dkms/hailo1x_pci.ko.xz", "")
	f.static("etc/group", fmt.Sprintf("root:x:0:\nvideo:x:%d:pi\ngpio:x:%d:pi\ni2c:x:%d:pi\npi:x:1000:\n", GIDVideo, GIDGPIO, GIDI2C))
}

// sensorFiles are the thermal zone, the CPU clocks and the hwmon
// devices, read at each open.
func (b *Board) sensorFiles(f simFiles) {
	f.dynamic("sys/class/thermal/thermal_zone0/type", func() string { return "cpu-thermal\n" })
	f.dynamic("sys/class/thermal/thermal_zone0/temp", func() string { return milli(b.socTemp()) })
	for cpu := 0; cpu < 4; cpu++ {
		cf := fmt.Sprintf("sys/devices/system/cpu/cpu%d/cpufreq/", cpu)
		// scaling_cur_freq is the governor's request: on a Pi 5 it does not
		// show firmware throttling (use vcgencmd measure_clock arm).
		f.dynamic(cf+"scaling_cur_freq", func() string { return fmt.Sprintf("%d\n", b.governorKHz()) })
		f.static(cf+"scaling_max_freq", "2400000\n")
		f.static(cf+"scaling_min_freq", "1500000\n")
		f.static(cf+"cpuinfo_max_freq", "2400000\n")
		f.static(cf+"cpuinfo_min_freq", "1500000\n")
		f.static(cf+"scaling_governor", "ondemand\n")
	}
	f.static("sys/class/hwmon/hwmon0/name", "cpu_thermal\n")
	f.dynamic("sys/class/hwmon/hwmon0/temp1_input", func() string { return milli(b.socTemp()) })
	f.static("sys/class/hwmon/hwmon1/name", "rp1_adc\n")
	f.dynamic("sys/class/hwmon/hwmon1/temp1_input", func() string { return milli(b.socTemp() - 6) })
	f.static("sys/class/hwmon/hwmon2/name", "rpi_volt\n")
	f.dynamic("sys/class/hwmon/hwmon2/in0_lcrit_alarm", func() string { return boolDigit(b.uvAlarm()) })
	f.static("sys/class/hwmon/hwmon3/name", "pwmfan\n")
	f.dynamic("sys/class/hwmon/hwmon3/fan1_input", func() string { return fmt.Sprintf("%d\n", b.fanRPM()) })
	f.dynamic("sys/class/hwmon/hwmon3/pwm1", func() string { return fmt.Sprintf("%d\n", b.fanPWM()) })
}

// pcieFiles are the RP1 root port on domain 1 and the accelerator
// behind it.
func (b *Board) pcieFiles(f simFiles) {
	st := b.state
	pci := "sys/bus/pci/devices/"
	f.static(pci+"0001:00:00.0/vendor", "0x14e4\n")
	f.static(pci+"0001:00:00.0/device", "0x2712\n")
	f.static(pci+"0001:00:00.0/class", "0x060400\n")
	if d := st.PCIe; d != nil {
		p := pci + d.Address + "/"
		f.static(p+"vendor", fmt.Sprintf("0x%04x\n", d.Vendor))
		f.static(p+"device", fmt.Sprintf("0x%04x\n", d.Device))
		f.static(p+"class", fmt.Sprintf("0x%06x\n", d.Class))
		f.static(p+"current_link_speed", d.LinkSpeed+"\n")
		f.static(p+"current_link_width", fmt.Sprintf("%d\n", d.LinkWidth))
		f.static(p+"max_link_speed", d.MaxLinkSpeed+"\n")
		f.static(p+"max_link_width", fmt.Sprintf("%d\n", d.MaxLinkWidth))
		uevent := fmt.Sprintf("PCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\nMODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
			d.Class, d.Vendor, d.Device, d.Vendor, d.Device, d.Address, d.Vendor, d.Device, d.Vendor, d.Device, d.Class>>16, (d.Class>>8)&0xff, d.Class&0xff)
		if drv := pciDriver(st.Modules, d.Vendor); drv != "" {
			uevent = "DRIVER=" + drv + "\n" + uevent
		}
		f.static(p+"uevent", uevent)
	}
}

// deviceNodes are character devices with owner and mode. The NPU's is
// gone while its driver resets (the driver-reset fault).
func (b *Board) deviceNodes(f simFiles) {
	st := b.state
	for p, n := range st.DevNodes {
		n := n
		var present func() bool
		if p == "dev/hailo0" || p == "dev/h1x-0" {
			present = func() bool { return !b.model.npuGone(b.clk.Now()) }
		}
		f[p] = entry{
			present: present,
			mode:    fs.ModeDevice | fs.ModeCharDevice | n.Mode.Perm(),
			content: func() []byte { return nil },
			sys:     &syscall.Stat_t{Uid: n.UID, Gid: n.GID, Rdev: uint64(n.Major)<<8 | uint64(n.Minor), Mode: syscall.S_IFCHR | uint32(n.Mode.Perm())},
		}
	}
}

// pciDriver is the loaded module that binds a vendor's device, or "".
func pciDriver(mods map[string]string, vendor uint16) string {
	if vendor != 0x1e60 {
		return ""
	}
	for _, m := range []string{"hailo1x_pci", "hailo_pci"} {
		if _, ok := mods[m]; ok {
			return m
		}
	}
	return ""
}

// stockDTBO is a minimal valid overlay blob (FDT header, empty structure
// block) standing in for the stock overlays the firmware ships.
func stockDTBO() []byte {
	const hdr, rsv, strct = 40, 16, 16
	b := make([]byte, hdr+rsv+strct)
	put := func(off int, v uint32) { binary.BigEndian.PutUint32(b[off:], v) }
	put(0, 0xd00dfeed)      // magic
	put(4, uint32(len(b)))  // totalsize
	put(8, hdr+rsv)         // off_dt_struct
	put(12, uint32(len(b))) // off_dt_strings (empty)
	put(16, hdr)            // off_mem_rsvmap: one terminating zero entry
	put(20, 17)             // version
	put(24, 16)             // last_comp_version
	put(32, 0)              // size_dt_strings
	put(36, strct)          // size_dt_struct
	put(hdr+rsv, 1)         // FDT_BEGIN_NODE, name "" padded to 4 B
	put(hdr+rsv+8, 2)       // FDT_END_NODE
	put(hdr+rsv+12, 9)      // FDT_END
	return b
}

func be32(v uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, v)
	return b
}

func milli(c float64) string { return fmt.Sprintf("%d\n", int64(c*1000)) }

func boolDigit(v bool) string {
	if v {
		return "1\n"
	}
	return "0\n"
}

func procModules(mods map[string]string) string {
	names := make([]string, 0, len(mods))
	for n := range mods {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	for i, n := range names {
		fmt.Fprintf(&sb, "%s %d 0 - Live 0xffffffc0%08x\n", n, 16384*(i+2), 0x13c0000+i*0x10000)
	}
	return sb.String()
}

func cpuinfo(st *State) string {
	var sb strings.Builder
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&sb, "processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x4\nCPU part\t: 0xd0b\nCPU revision\t: 1\n\n", i)
	}
	fmt.Fprintf(&sb, "Revision\t: d04170\nSerial\t\t: %s\nModel\t\t: %s\n", st.Serial, st.Model)
	return sb.String()
}

// fsys is the board's fs.FS.
type fsys struct{ b *Board }

// Open implements fs.FS.
func (f fsys) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f.b.mu.Lock()
	f.b.sync()
	if f.b.files == nil {
		f.b.files = f.b.tree()
		f.b.dirs = dirIndex(f.b.files)
	}
	files := f.b.files
	now := f.b.clk.Now()
	var content []byte
	e, isFile := files[name]
	if isFile && e.present != nil && !e.present() {
		isFile = false
	}
	if isFile {
		content = e.content()
	}
	// A directory exists when some file lies below it; a file that comes
	// and goes is left out while it is gone.
	prefix := name + "/"
	if name == "." {
		prefix = ""
	}
	var names []dirChild
	if !isFile {
		for _, c := range f.b.dirs[name] {
			if e := files[prefix+c.name]; !c.dir && e.present != nil && !e.present() {
				continue
			}
			names = append(names, c)
		}
	}
	f.b.mu.Unlock()

	if isFile {
		return &file{name: path.Base(name), e: e, r: bytes.NewReader(content), size: statSize(name, int64(len(content))), mod: now}, nil
	}
	if len(names) == 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	d := &dir{name: path.Base(name), mod: now, entries: make([]fs.DirEntry, 0, len(names))}
	for _, c := range names {
		n := c.name
		if c.dir {
			d.entries = append(d.entries, fs.FileInfoToDirEntry(dirInfo{name: n, mod: now}))
		} else {
			e := files[prefix+n]
			size := statSize(prefix+n, -1)
			if size < 0 {
				size = int64(len(e.content()))
			}
			d.entries = append(d.entries, fs.FileInfoToDirEntry(fileInfo{name: n, e: e, mod: now, size: size}))
		}
	}
	return d, nil
}

// dirChild is one entry of a directory of the rendered tree.
type dirChild struct {
	name string
	dir  bool
}

// dirIndex lists every directory's children in name order, from the
// tree's file paths (directories are implied by them), once per tree:
// listing a directory does not scan every file.
func dirIndex(files map[string]entry) map[string][]dirChild {
	kids := map[string]map[string]bool{}
	for p := range files {
		parent := "."
		for rest := p; ; {
			i := strings.IndexByte(rest, '/')
			if kids[parent] == nil {
				kids[parent] = map[string]bool{}
			}
			if i < 0 {
				kids[parent][rest] = kids[parent][rest] || false
				break
			}
			kids[parent][rest[:i]] = true
			if parent == "." {
				parent = p[:i]
			} else {
				parent = p[:len(parent)+1+i]
			}
			rest = rest[i+1:]
		}
	}
	idx := make(map[string][]dirChild, len(kids))
	for d, m := range kids {
		cs := make([]dirChild, 0, len(m))
		for n, isDir := range m {
			cs = append(cs, dirChild{n, isDir})
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
		idx[d] = cs
	}
	return idx
}

// statSize is the size stat reports: sysfs attributes are 4096 bytes and
// procfs files 0 whatever they hold, as on Linux; other files their length
// (n, or -1 when the caller has not rendered it).
func statSize(p string, n int64) int64 {
	switch {
	case strings.HasPrefix(p, "sys/"):
		return 4096
	case strings.HasPrefix(p, "proc/") && !strings.HasPrefix(p, "proc/device-tree/"):
		return 0
	case strings.HasPrefix(p, "dev/"):
		return 0
	}
	return n
}

type fileInfo struct {
	name string
	e    entry
	size int64
	mod  time.Time
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return i.e.mode }
func (i fileInfo) ModTime() time.Time { return i.mod }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any {
	if i.e.sys != nil {
		return i.e.sys
	}
	return &syscall.Stat_t{Mode: syscall.S_IFREG | uint32(i.e.mode.Perm())}
}

type dirInfo struct {
	name string
	mod  time.Time
}

func (i dirInfo) Name() string       { return i.name }
func (i dirInfo) Size() int64        { return 0 }
func (i dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (i dirInfo) ModTime() time.Time { return i.mod }
func (i dirInfo) IsDir() bool        { return true }
func (i dirInfo) Sys() any           { return &syscall.Stat_t{Mode: syscall.S_IFDIR | 0o555} }

type file struct {
	name string
	e    entry
	r    *bytes.Reader
	size int64
	mod  time.Time
}

func (f *file) Stat() (fs.FileInfo, error) {
	return fileInfo{name: f.name, e: f.e, size: f.size, mod: f.mod}, nil
}

// Read returns the rendered content; device nodes read as empty (their
// existence, owner and mode are what the stages check).
func (f *file) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *file) Close() error               { return nil }

type dir struct {
	name    string
	mod     time.Time
	entries []fs.DirEntry
	off     int
}

func (d *dir) Stat() (fs.FileInfo, error) { return dirInfo{name: d.name, mod: d.mod}, nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: fs.ErrInvalid}
}
func (d *dir) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}
