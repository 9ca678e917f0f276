package hailortcli

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"
)

// Stat is a mean/min/max triple hailortcli prints for a device measurement.
// Set is false when the output had none.
type Stat struct {
	Mean, Min, Max float64
	Set            bool
}

// DeviceStats are one device's measurements in a benchmark or run summary:
// power in W, current in A, temperature in °C.
type DeviceStats struct {
	Device             string // "0001:01:00.0"
	Power, Current     Stat
	Temp               Stat
	PowerFromStreaming bool // 4.x: power was measured in the streaming phase
}

// NetFPS is one network's throughput in a HailoRT 5.x benchmark summary.
type NetFPS struct {
	Net string
	FPS float64
}

// Result is what `hailortcli benchmark` (4.x or 5.x) or `run
// --measure-temp` (4.x) printed. Zero numbers mean "not printed".
type Result struct {
	// Gen is 4 when the HailoRT 4.x summary ("FPS (hw_only) = …") was seen,
	// 5 for the HailoRT 5.x one ("<net>: FPS: …"), 0 for neither.
	Gen int
	// FPSHWOnly and FPSStreaming are frames/s (4.x); on 5.x FPSStreaming is
	// the sum of the networks' FPS (run2 streams, async).
	FPSHWOnly, FPSStreaming float64
	Nets                    []NetFPS
	LatencyHWS              float64 // s
	LatencyOverallS         float64 // s
	Devices                 []DeviceStats
	// Unsupported names the measurements hailortcli said the device cannot
	// make ("Measurement power is not supported": power, current, temperature).
	Unsupported []string
	// Log holds hailortcli's own warnings and errors ("[HailoRT] [warning] …",
	// "Measurement … is not supported"), stripped, in order.
	Log []string
}

var (
	reNum     = `([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)`
	reFPSHW   = regexp.MustCompile(`^FPS\s*\(hw_only\)\s*=\s*` + reNum + `$`)
	reFPSSt   = regexp.MustCompile(`^(?:FPS)?\s*\(streaming\)\s*=\s*` + reNum + `$`)
	reLatHW   = regexp.MustCompile(`^Latency\s*\(hw\)\s*=\s*` + reNum + `\s*(ms|us|s)$`)
	reLatAll  = regexp.MustCompile(`^\(overall\)\s*=\s*` + reNum + `\s*(ms|us|s)$`)
	reDev4    = regexp.MustCompile(`^Device:?\s+(\S+?):?$`)
	rePowAvg  = regexp.MustCompile(`^Power in streaming mode \(average\)\s*=\s*` + reNum + `\s*(mW|W)$`)
	rePowMax  = regexp.MustCompile(`^\(max\)\s*=\s*` + reNum + `\s*(mW|W)$`)
	reNetFPS  = regexp.MustCompile(`^(\S+):\s*FPS:\s*` + reNum + `$`)
	reDev5    = regexp.MustCompile(`^([0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]|[^\s:][^\s]*):$`)
	reStat5   = regexp.MustCompile(`^(power|current|temperature):\s*mean=` + reNum + `\s*\S*\s+min=` + reNum + `\s*\S*\s+max=` + reNum)
	reChipT   = regexp.MustCompile(`^(Minimum|Average|Maximum) chip temperature:\s*` + reNum + `\s*C$`)
	reUnsupp  = regexp.MustCompile(`Measurement (power|current|temperature) is not supported`)
	reHailoRT = regexp.MustCompile(`^\[HailoRT\]\s*\[(warning|error|critical)\]\s*(.*)$`)
)

// Parse reads hailortcli output: stdout, stderr, or both interleaved as a
// terminal shows them (posted captures are like that). Lines it does not
// know are ignored, so progress bars and banners do no harm.
func Parse(out string) Result {
	var p benchParser
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		if line == "" {
			continue
		}
		p.line(line)
	}
	return p.r
}

// benchParser is Parse's state: the result so far, whether the summary
// has begun, and the device the figures that follow belong to.
type benchParser struct {
	r         Result
	inSummary bool
	dev       *DeviceStats
}

func (p *benchParser) line(line string) {
	r := &p.r
	if m := reHailoRT.FindStringSubmatch(line); m != nil {
		r.Log = append(r.Log, m[1]+": "+m[2])
	} else if reUnsupp.MatchString(line) {
		r.Log = append(r.Log, line)
	}
	if m := reUnsupp.FindStringSubmatch(line); m != nil {
		r.Unsupported = appendOnce(r.Unsupported, m[1])
		return
	}
	if line == "Summary" {
		p.inSummary = true
		return
	}
	switch {
	case matchF(reFPSHW, line, func(m []string) { r.FPSHWOnly = num(m[1]); r.Gen = 4 }):
	case p.inSummary && matchF(reFPSSt, line, func(m []string) { r.FPSStreaming = num(m[1]); r.Gen = 4 }):
	case matchF(reLatHW, line, func(m []string) { r.LatencyHWS = seconds(num(m[1]), m[2]) }):
	case matchF(reLatAll, line, func(m []string) { r.LatencyOverallS = seconds(num(m[1]), m[2]) }):
	case matchF(rePowAvg, line, p.streamingPower):
	case matchF(rePowMax, line, func(m []string) {
		if p.dev != nil {
			p.dev.Power.Max = watts(num(m[1]), m[2])
		}
	}):
	case p.inSummary && matchF(reNetFPS, line, func(m []string) {
		r.Nets = append(r.Nets, NetFPS{Net: m[1], FPS: num(m[2])})
		r.FPSStreaming += num(m[2])
		r.Gen = 5
	}):
	case matchF(reStat5, line, p.stat):
	case matchF(reChipT, line, p.chipTemp):
	case matchF(reDev4, line, func(m []string) { p.dev = p.device(m[1]) }):
	case p.inSummary && matchF(reDev5, line, func(m []string) { p.dev = p.device(m[1]) }):
	}
}

// device is the named device's figures, added on first mention.
func (p *benchParser) device(name string) *DeviceStats {
	for i := range p.r.Devices {
		if p.r.Devices[i].Device == name {
			return &p.r.Devices[i]
		}
	}
	p.r.Devices = append(p.r.Devices, DeviceStats{Device: name})
	return &p.r.Devices[len(p.r.Devices)-1]
}

// current is the device the figures belong to: the unnamed one when the
// output named none.
func (p *benchParser) current() *DeviceStats {
	if p.dev == nil {
		p.dev = p.device("")
	}
	return p.dev
}

// streamingPower is 4.x's "Power in streaming mode (average)".
func (p *benchParser) streamingPower(m []string) {
	dev := p.current()
	dev.Power.Mean, dev.Power.Set, dev.PowerFromStreaming = watts(num(m[1]), m[2]), true, true
}

// stat is 5.x's "power|current|temperature: mean= min= max=".
func (p *benchParser) stat(m []string) {
	dev := p.current()
	s := Stat{Mean: num(m[2]), Min: num(m[3]), Max: num(m[4]), Set: true}
	switch m[1] {
	case "power":
		dev.Power = s
	case "current":
		dev.Current = s
	case "temperature":
		dev.Temp = s
	}
}

// chipTemp is 4.x's "Minimum|Average|Maximum chip temperature".
func (p *benchParser) chipTemp(m []string) {
	dev := p.current()
	v := num(m[2])
	dev.Temp.Set = true
	switch m[1] {
	case "Minimum":
		dev.Temp.Min = v
	case "Average":
		dev.Temp.Mean = v
	case "Maximum":
		dev.Temp.Max = v
	}
}

// FPS is the throughput the summary states: streaming FPS (4.x) or the
// sum of the networks' FPS (5.x), else the hw-only figure.
func (r Result) FPS() float64 {
	if r.FPSStreaming > 0 {
		return r.FPSStreaming
	}
	return r.FPSHWOnly
}

// Temp returns the NPU temperature over the run: the highest mean and the
// highest maximum of all devices, °C. ok is false when none was printed.
// A 4.x `run --measure-temp` that printed only an average gives it as max.
func (r Result) Temp() (mean, maxC float64, ok bool) {
	for _, d := range r.Devices {
		if !d.Temp.Set {
			continue
		}
		hi := d.Temp.Max
		if hi == 0 {
			hi = d.Temp.Mean
		}
		if !ok || d.Temp.Mean > mean {
			mean = d.Temp.Mean
		}
		if !ok || hi > maxC {
			maxC = hi
		}
		ok = true
	}
	return mean, maxC, ok
}

// Power returns the NPU power: the sum of the devices' means and of their
// maxima, W. ok is false when none was printed.
func (r Result) Power() (mean, maxW float64, ok bool) {
	for _, d := range r.Devices {
		if d.Power.Set {
			mean += d.Power.Mean
			maxW += d.Power.Max
			ok = true
		}
	}
	return mean, maxW, ok
}

// Says reports whether hailortcli said measurement kind is unsupported.
func (r Result) Says(kind string) bool {
	for _, u := range r.Unsupported {
		if u == kind {
			return true
		}
	}
	return false
}

func matchF(re *regexp.Regexp, line string, f func([]string)) bool {
	m := re.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	f(m)
	return true
}

func num(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func seconds(v float64, unit string) float64 {
	switch unit {
	case "ms":
		return v / 1e3
	case "us":
		return v / 1e6
	}
	return v
}

func watts(v float64, unit string) float64 {
	if unit == "mW" {
		return v / 1e3
	}
	return v
}

func appendOnce(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}
