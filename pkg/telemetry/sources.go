package telemetry

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/ina2xx"
	"github.com/aihat/aihat/pkg/pipower"
)

// DefaultSources are the board-wide sources every long run watches: SoC
// temperature, the real ARM clock, throttle flags, PMIC rails, hwmon power
// monitors, the fan, the under-voltage alarm and memory. Sources whose
// files the board lacks are left out (the notes say which).
func DefaultSources(b board.Board) (srcs []Source, notes []string) {
	fsys := b.FS()
	if s, err := NewSoCTemp(fsys); err == nil {
		srcs = append(srcs, s)
	} else {
		notes = append(notes, err.Error())
	}
	srcs = append(srcs, &ARMClock{Board: b}, &Throttle{Board: b}, &PMIC{Board: b})
	if s, err := NewHwmonPower(fsys); err == nil && len(s.chans) > 0 {
		srcs = append(srcs, s)
	}
	if s, err := NewFan(fsys); err == nil {
		srcs = append(srcs, s)
	} else {
		notes = append(notes, err.Error())
	}
	if s, err := NewUndervoltAlarm(fsys); err == nil {
		srcs = append(srcs, s)
	} else {
		notes = append(notes, err.Error())
	}
	srcs = append(srcs, &MemInfo{FS: fsys})
	return srcs, notes
}

// SoCTemp is the thermal zone of type cpu-thermal, in °C.
type SoCTemp struct{ a attr }

// NewSoCTemp finds the cpu-thermal zone.
func NewSoCTemp(fsys fs.FS) (*SoCTemp, error) {
	zones, _ := fs.Glob(fsys, "sys/class/thermal/thermal_zone*/type")
	for _, z := range zones {
		b, err := fs.ReadFile(fsys, z)
		if err == nil && strings.TrimSpace(string(b)) == "cpu-thermal" {
			return &SoCTemp{a: attr{fsys: fsys, path: path.Join(path.Dir(z), "temp")}}, nil
		}
	}
	return nil, fmt.Errorf("no thermal zone of type cpu-thermal under /sys/class/thermal: SoC temperature not sampled")
}

func (s *SoCTemp) Name() string { return "soc_temp" }
func (s *SoCTemp) Close()       { s.a.close() }
func (s *SoCTemp) Sample(context.Context, time.Time) ([]Reading, []Event, error) {
	v, err := s.a.number(1000) // millidegrees
	if err != nil {
		return nil, nil, err
	}
	return []Reading{{"soc_temp", "°C", v}}, nil, nil
}

// ARMClock is the real ARM clock the firmware runs, from measure_clock
// arm: cpufreq's scaling_cur_freq does not show firmware throttling on a
// Pi 5.
type ARMClock struct{ Board board.Board }

func (s *ARMClock) Name() string { return "arm_clock" }
func (s *ARMClock) Close()       {}
func (s *ARMClock) Sample(ctx context.Context, _ time.Time) ([]Reading, []Event, error) {
	out, err := Gencmd(ctx, s.Board, "measure_clock arm")
	if err != nil {
		return nil, nil, err
	}
	_, v, ok := strings.Cut(strings.TrimSpace(out), "=")
	hz, perr := strconv.ParseFloat(v, 64)
	if !ok || perr != nil {
		return nil, nil, fmt.Errorf("measure_clock arm: %q is not frequency(N)=Hz", strings.TrimSpace(out))
	}
	return []Reading{{"arm_clock", "Hz", hz}}, nil, nil
}

// Throttle is get_throttled, with each change of a flag as an event. It
// never sends an argument: one would clear the "has occurred" bits.
type Throttle struct {
	Board board.Board
	last  *uint32
}

func (s *Throttle) Name() string { return "throttled" }
func (s *Throttle) Close()       {}
func (s *Throttle) Sample(ctx context.Context, now time.Time) ([]Reading, []Event, error) {
	out, err := Gencmd(ctx, s.Board, "get_throttled")
	if err != nil {
		return nil, nil, err
	}
	t, err := pipower.ParseThrottled(out)
	if err != nil {
		return nil, nil, err
	}
	var evs []Event
	if s.last != nil && *s.last != t.Raw {
		prev := pipower.Throttled{Raw: *s.last}
		for _, b := range pipower.ThrottleBits {
			if was, is := prev.Flag(b.Bit), t.Flag(b.Bit); was != is {
				what := "set"
				if !is {
					what = "cleared"
				}
				evs = append(evs, Event{T: now, Kind: "throttle", Detail: fmt.Sprintf("%s %s (get_throttled 0x%x)", b.Name, what, t.Raw)})
			}
		}
	}
	raw := t.Raw
	s.last = &raw
	rs := []Reading{{"throttled", "", float64(t.Raw)}}
	for _, b := range pipower.ThrottleBits {
		if b.Bit < 16 { // the "now" flags as 0/1 series; "occurred" bits are in the raw value
			rs = append(rs, Reading{"throttle." + b.Name, "", boolF(t.Flag(b.Bit))})
		}
	}
	return rs, evs, nil
}

// PMIC is pmic_read_adc: each rail's voltage and current, and the total
// power when it is known (rails with both).
type PMIC struct {
	Board board.Board
	names map[string][3]string // rail → its series names, built once
	// Bad receives the lines pmic_read_adc printed that did not parse
	// (the other rails are kept); nil ignores them.
	Bad func(line string)
}

func (s *PMIC) Name() string { return "pmic" }
func (s *PMIC) Close()       {}
func (s *PMIC) Sample(ctx context.Context, _ time.Time) ([]Reading, []Event, error) {
	out, err := Gencmd(ctx, s.Board, "pmic_read_adc")
	if err != nil {
		return nil, nil, err
	}
	p, err := pipower.ParsePMIC(out)
	if err != nil {
		return nil, nil, err
	}
	if s.names == nil {
		s.names = map[string][3]string{}
	}
	rs := make([]Reading, 0, 2*len(p.Rails)+1)
	for _, r := range p.Rails {
		n, ok := s.names[r.Name]
		if !ok {
			n = [3]string{"pmic." + r.Name + ".v", "pmic." + r.Name + ".a", "pmic." + r.Name + ".w"}
			s.names[r.Name] = n
		}
		if r.HasV {
			rs = append(rs, Reading{n[0], "V", r.Volts})
		}
		if r.HasA {
			rs = append(rs, Reading{n[1], "A", r.Amps})
		}
		if r.HasV && r.HasA {
			rs = append(rs, Reading{n[2], "W", r.Watts()})
		}
	}
	if s.Bad != nil {
		for _, b := range p.Bad {
			s.Bad(b.String())
		}
	}
	if w, ok := p.TotalWatts(); ok {
		rs = append(rs, Reading{"pmic.total_w", "W", w})
	}
	return rs, nil, nil
}

// HwmonPower is the hwmon power monitors (INA2xx under the kernel's
// drivers): voltage, current and power inputs, files kept open.
type HwmonPower struct {
	chans []hwChan
	// Ignored are hwmon chips with inputs that are not power monitors.
	Ignored []string
}

// Len is how many inputs it reads.
func (s *HwmonPower) Len() int { return len(s.chans) }

type hwChan struct {
	series, unit string
	scale        float64
	a            attr
}

// NewHwmonPower finds the power-monitor hwmon chips (as pipower.rails does).
func NewHwmonPower(fsys fs.FS, chips ...string) (*HwmonPower, error) {
	hw, err := pipower.FindHwmon(fsys, chips...)
	if err != nil {
		return nil, err
	}
	s := &HwmonPower{Ignored: hw.Ignored}
	for _, c := range hw.Channels {
		scale := map[string]float64{"V": 1e3, "A": 1e3, "W": 1e6}[c.Unit] // mV, mA, µW
		s.chans = append(s.chans, hwChan{series: "hwmon." + c.Device + "." + c.Label + "." + strings.ToLower(c.Unit), unit: c.Unit, scale: scale, a: attr{fsys: fsys, path: path.Join(c.Dir, c.File)}})
	}
	return s, nil
}

func (s *HwmonPower) Name() string { return "hwmon_power" }
func (s *HwmonPower) Close() {
	for i := range s.chans {
		s.chans[i].a.close()
	}
}
func (s *HwmonPower) Sample(context.Context, time.Time) ([]Reading, []Event, error) {
	rs := make([]Reading, 0, len(s.chans))
	for i := range s.chans {
		c := &s.chans[i]
		v, err := c.a.number(c.scale)
		if err != nil {
			return nil, nil, err
		}
		rs = append(rs, Reading{c.series, c.unit, v})
	}
	return rs, nil, nil
}

// Fan is the Pi 5 fan's hwmon (pwmfan, the cooling_fan device): speed in
// rpm and the PWM duty 0-255 the kernel drives.
type Fan struct{ rpm, pwm attr }

// NewFan finds the pwmfan hwmon.
func NewFan(fsys fs.FS) (*Fan, error) {
	dir, err := hwmonByName(fsys, "pwmfan")
	if err != nil {
		return nil, fmt.Errorf("%v: fan not sampled (no Active Cooler, or its overlay is not loaded)", err)
	}
	return &Fan{rpm: attr{fsys: fsys, path: dir + "/fan1_input"}, pwm: attr{fsys: fsys, path: dir + "/pwm1"}}, nil
}

func (s *Fan) Name() string { return "fan" }
func (s *Fan) Close()       { s.rpm.close(); s.pwm.close() }
func (s *Fan) Sample(context.Context, time.Time) ([]Reading, []Event, error) {
	rpm, err := s.rpm.number(1)
	if err != nil {
		return nil, nil, err
	}
	pwm, err := s.pwm.number(1)
	if err != nil {
		return nil, nil, err
	}
	return []Reading{{"fan_rpm", "rpm", rpm}, {"fan_pwm", "", pwm}}, nil, nil
}

// UndervoltAlarm is rpi_volt's in0_lcrit_alarm (sticky under-voltage), with
// its change as an event.
type UndervoltAlarm struct {
	a    attr
	last *bool
}

// NewUndervoltAlarm finds rpi_volt.
func NewUndervoltAlarm(fsys fs.FS) (*UndervoltAlarm, error) {
	dir, err := hwmonByName(fsys, "rpi_volt")
	if err != nil {
		return nil, fmt.Errorf("%v: under-voltage alarm not sampled", err)
	}
	return &UndervoltAlarm{a: attr{fsys: fsys, path: dir + "/in0_lcrit_alarm"}}, nil
}

func (s *UndervoltAlarm) Name() string { return "undervoltage_alarm" }
func (s *UndervoltAlarm) Close()       { s.a.close() }
func (s *UndervoltAlarm) Sample(_ context.Context, now time.Time) ([]Reading, []Event, error) {
	v, err := s.a.number(1)
	if err != nil {
		return nil, nil, err
	}
	on := v != 0
	var evs []Event
	if s.last != nil && *s.last != on {
		evs = append(evs, Event{T: now, Kind: "undervoltage_alarm", Detail: fmt.Sprintf("rpi_volt in0_lcrit_alarm %v", on)})
	}
	s.last = &on
	return []Reading{{"undervoltage_alarm", "", boolF(on)}}, evs, nil
}

// MemInfo is /proc/meminfo's MemAvailable and Slab, in bytes: what a leak
// in the kernel or a driver eats.
type MemInfo struct{ FS fs.FS }

func (s *MemInfo) Name() string { return "meminfo" }
func (s *MemInfo) Close()       {}
func (s *MemInfo) Sample(context.Context, time.Time) ([]Reading, []Event, error) {
	b, err := fs.ReadFile(s.FS, "proc/meminfo")
	if err != nil {
		return nil, nil, err
	}
	var rs []Reading
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "MemAvailable" && k != "Slab") {
			continue
		}
		f := strings.Fields(v)
		n, err := strconv.ParseFloat(f[0], 64)
		if len(f) != 2 || f[1] != "kB" || err != nil {
			return nil, nil, fmt.Errorf("proc/meminfo %s: %q is not N kB", k, strings.TrimSpace(v))
		}
		name := map[string]string{"MemAvailable": "mem_available", "Slab": "slab"}[k]
		rs = append(rs, Reading{name, "B", n * 1024})
	}
	if len(rs) != 2 {
		return nil, nil, fmt.Errorf("proc/meminfo has no MemAvailable and Slab lines")
	}
	return rs, nil, nil
}

// Process is one process's resident memory, open files and threads from
// /proc/<pid>/: the workload's, to see it leak.
type Process struct {
	FS    fs.FS // the filesystem whose proc/ holds the process
	PID   int
	Label string // series prefix, e.g. "aihat" or "hailo-ollama"
}

func (s *Process) Name() string { return "process." + s.Label }
func (s *Process) Close()       {}
func (s *Process) Sample(context.Context, time.Time) ([]Reading, []Event, error) {
	dir := fmt.Sprintf("proc/%d", s.PID)
	b, err := fs.ReadFile(s.FS, dir+"/status")
	if err != nil {
		return nil, nil, fmt.Errorf("process %d (%s): %w", s.PID, s.Label, err)
	}
	var rss, threads float64 = -1, -1
	for rest := string(b); rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "Threads") {
			continue // ~55 lines, two wanted: split only those (1 Hz for days)
		}
		f := strings.Fields(v)
		switch {
		case k == "VmRSS" && len(f) == 2 && f[1] == "kB":
			if n, err := strconv.ParseFloat(f[0], 64); err == nil {
				rss = n * 1024
			}
		case k == "Threads" && len(f) == 1:
			if n, err := strconv.ParseFloat(f[0], 64); err == nil {
				threads = n
			}
		}
	}
	if rss < 0 || threads < 0 {
		return nil, nil, fmt.Errorf("%s/status has no VmRSS or Threads line", dir)
	}
	fds, err := fs.ReadDir(s.FS, dir+"/fd")
	if err != nil {
		return nil, nil, fmt.Errorf("%s/fd: %w", dir, err)
	}
	p := s.Label + "."
	return []Reading{{p + "rss", "B", rss}, {p + "fds", "count", float64(len(fds))}, {p + "threads", "count", threads}}, nil, nil
}

func hwmonByName(fsys fs.FS, name string) (string, error) {
	names, _ := fs.Glob(fsys, "sys/class/hwmon/hwmon*/name")
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err == nil && strings.TrimSpace(string(b)) == name {
			return path.Dir(n), nil
		}
	}
	return "", fmt.Errorf("no hwmon named %s under /sys/class/hwmon", name)
}

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// INA is a shunt monitor read over I2C (INA219/226/260): the rail's bus
// voltage, current and their product, as series <rail>.v/.a/.w.
type INA struct {
	Rail string
	Dev  ina2xx.Monitor
}

func (s *INA) Name() string { return "ina." + s.Rail }
func (s *INA) Close()       {}
func (s *INA) Sample(context.Context, time.Time) ([]Reading, []Event, error) {
	r, err := s.Dev.Read()
	if err != nil {
		return nil, nil, err
	}
	return []Reading{{"ina." + s.Rail + ".v", "V", r.Volts}, {"ina." + s.Rail + ".a", "A", r.Amps}, {"ina." + s.Rail + ".w", "W", r.Volts * r.Amps}}, nil, nil
}

// Rail splits a power series name into its rail and quantity: the rail is
// what pipower.rails reports ("EXT5V", "rpi_volt.in0", a monitor's rail),
// the quantity v, a or w. ok is false for other series.
func Rail(series string) (rail, q string, ok bool) {
	i := strings.LastIndexByte(series, '.')
	if i < 0 {
		return "", "", false
	}
	q = series[i+1:]
	if q != "v" && q != "a" && q != "w" {
		return "", "", false
	}
	for _, p := range []string{"pmic.", "hwmon.", "ina."} {
		if strings.HasPrefix(series, p) {
			return series[len(p):i], q, true
		}
	}
	return "", "", false
}
