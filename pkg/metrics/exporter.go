package metrics

import (
	"io/fs"
	"math"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aihat/aihat/pkg/loadtest"
	"github.com/aihat/aihat/pkg/pipower"
	"github.com/aihat/aihat/pkg/telemetry"
	"github.com/aihat/aihat/pkg/workload"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// DefaultMaxSeries caps the label sets made from sweep names. A Pi 5 with
// the AI HAT+ 2 sweeps about 50 series (13 PMIC rails with volts, amps and
// watts are most of them); the cap leaves room for hwmon and INA2xx
// monitors and still bounds a source gone wrong.
const DefaultMaxSeries = 256

// fanChip is node_exporter's chip label for the Pi 5's fan hwmon: its
// device is /sys/devices/platform/cooling_fan (see the package doc).
const fanChip = "platform_cooling_fan"

// Options describe the run the exporter watches.
type Options struct {
	// FS is the board's filesystem: the cpu-thermal zone's number there is
	// node_thermal_zone_temp's zone label. nil leaves the label empty.
	FS fs.FS
	// Target, Runtime and Model go to aihat_loadtest_info (a simulated run
	// says so there too).
	Target, Runtime, Model string
	// Planned is the run's --duration.
	Planned time.Duration
	// Start is the run's start (a resumed run's first start); zero is the
	// first sweep's time.
	Start time.Time
	// MaxSeries caps the label sets made from sweep names (DefaultMaxSeries
	// when 0).
	MaxSeries int
}

// Exporter is a load test's live metrics: a loadtest.Live over its own
// registry. Sweep and Health run on the sampler's goroutine, Request on
// the workload's, scrapes on the HTTP server's: all may overlap.
type Exporter struct {
	reg  *prometheus.Registry
	zone string
	max  int

	mu                 sync.Mutex
	setters            map[string]setter // sweep name → where its value goes; nil: dropped
	failedBy, eventsBy map[string]prometheus.Counter
	made               int       // label sets made from sweep names
	start              time.Time // first sweep's time

	// gauge families fed from sweep names
	thermal, fanRPM, fanPWM, memAvail, slab   *prometheus.GaugeVec
	arm, uvAlarm, throttled, throttledRaw     *prometheus.GaugeVec
	railV, railA, railW, pmicW                *prometheus.GaugeVec
	procRSS, procFDs, procThreads, sweepValue *prometheus.GaugeVec
	nodePresent, workErrors                   *prometheus.GaugeVec

	sweeps, dropped             prometheus.Counter
	sweepTime, elapsed          prometheus.Gauge
	sourceFailures, events      *prometheus.CounterVec
	requests, requestErrors     *prometheus.CounterVec
	duration, ttft              prometheus.Histogram
	tokensPS, prefill, healthOK *prometheus.GaugeVec // made at the first value: no 0 tokens/s before any request
	tokens                      prometheus.Counter
	checks, failures, work      atomicFloat
	changed                     atomic.Bool
}

// setter puts one sweep value where it belongs.
type setter func(v float64)

// New builds an exporter and its registry.
func New(o Options) *Exporter {
	e := &Exporter{reg: prometheus.NewRegistry(), max: o.MaxSeries, setters: map[string]setter{},
		failedBy: map[string]prometheus.Counter{}, eventsBy: map[string]prometheus.Counter{}}
	if e.max <= 0 {
		e.max = DefaultMaxSeries
	}
	if o.FS != nil {
		e.zone = cpuThermalZone(o.FS)
	}
	e.start = o.Start
	r := registrar{e.reg}
	r.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	e.registerBoard(r)
	e.registerSweeps(r, o)
	e.registerRequests(r, o)
	e.registerHealth(r)
	e.registerInfo(r, o)
	return e
}

// registrar makes metrics and registers them.
type registrar struct{ *prometheus.Registry }

func (r registrar) gv(name, help string, labels ...string) *prometheus.GaugeVec {
	v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	r.MustRegister(v)
	return v
}

func (r registrar) c(name, help string) prometheus.Counter {
	m := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	r.MustRegister(m)
	return m
}

func (r registrar) cv(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	r.MustRegister(v)
	return v
}

func (r registrar) g(name, help string) prometheus.Gauge {
	m := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	r.MustRegister(m)
	return m
}

// cf is a counter that reads v when scraped.
func (r registrar) cf(name, help string, v *atomicFloat) {
	r.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, v.load))
}

// registerBoard makes the board's gauges: node_exporter's names where it
// has one, aihat_* for the Pi's own.
func (e *Exporter) registerBoard(r registrar) {
	e.thermal = r.gv("node_thermal_zone_temp", "Zone temperature in Celsius (aihat: the cpu-thermal zone, sampled by the load test).", "zone", "type")
	e.fanRPM = r.gv("node_hwmon_fan_rpm", "Hardware monitor for fan revolutions per minute (input) (aihat: the Pi 5 fan, pwmfan fan1_input).", "chip", "sensor")
	e.fanPWM = r.gv("node_hwmon_pwm", "Hardware monitor pwm element (aihat: the Pi 5 fan's duty, pwmfan pwm1, 0-255).", "chip", "sensor")
	e.memAvail = r.gv("node_memory_MemAvailable_bytes", "Memory information field MemAvailable_bytes.")
	e.slab = r.gv("node_memory_Slab_bytes", "Memory information field Slab_bytes.")
	e.arm = r.gv("aihat_arm_clock_hertz", "ARM clock the firmware runs (vcgencmd measure_clock arm), in hertz: unlike cpufreq's scaling_cur_freq it shows firmware capping.")
	e.uvAlarm = r.gv("aihat_undervoltage_alarm", "rpi_volt in0_lcrit_alarm: 1 once the firmware saw the 5 V input under its limit (sticky).")
	e.throttled = r.gv("aihat_throttled", "vcgencmd get_throttled bit by name, 0 or 1 (*_now: now; *_occurred: since boot).", "flag")
	e.throttledRaw = r.gv("aihat_throttled_raw", "vcgencmd get_throttled bitmask as a number.")
	e.railV = r.gv("aihat_rail_volts", "Power rail voltage in volts (source pmic: vcgencmd pmic_read_adc; hwmon, ina: power monitors).", "source", "rail")
	e.railA = r.gv("aihat_rail_amps", "Power rail current in amperes.", "source", "rail")
	e.railW = r.gv("aihat_rail_watts", "Power rail power in watts (volts times amps).", "source", "rail")
	e.pmicW = r.gv("aihat_pmic_power_watts", "Sum of the power of the PMIC rails with both voltage and current, in watts.")
	e.procRSS = r.gv("aihat_watched_process_resident_memory_bytes", "Resident memory of the process the load test watches for leaks (VmRSS), in bytes.", "process")
	e.procFDs = r.gv("aihat_watched_process_open_fds", "Open file descriptors of the watched process.", "process")
	e.procThreads = r.gv("aihat_watched_process_threads", "Threads of the watched process.", "process")
	e.nodePresent = r.gv("aihat_npu_node_present", "1 while the NPU's device node (/dev/hailo0, /dev/h1x-0) exists, 0 while it is gone (a driver reset).")
	e.workErrors = r.gv("aihat_workload_errors", "Work the load could not do since this process started it (the sim's load: an attempt a second while the NPU is gone).")
	e.sweepValue = r.gv("aihat_sweep_value", "A sweep series with no metric of its own, in its SI unit.", "series")
}

// registerSweeps makes the telemetry sampler's own metrics.
func (e *Exporter) registerSweeps(r registrar, o Options) {
	e.sweeps = r.c("aihat_sweeps_total", "Telemetry sweeps taken (one every --interval of the board's clock).")
	e.dropped = r.c("aihat_sweep_values_dropped_total", "Sweep values not exported: past the cap on label sets, or a name that is no valid label value.")
	e.sweepTime = r.g("aihat_sweep_timestamp_seconds", "Time of the last sweep on the board's clock (virtual on the sim), in seconds since the Unix epoch.")
	e.elapsed = r.g("aihat_run_elapsed_seconds", "Time since the run started (its first start when resumed) on the board's clock, in seconds.")
	r.g("aihat_run_planned_seconds", "Planned length of the run (--duration), in seconds.").Set(o.Planned.Seconds())
	e.sourceFailures = r.cv("aihat_source_failures_total", "Sweeps in which a telemetry source gave no sample.", "source")
	e.events = r.cv("aihat_events_total", "Telemetry events (throttle flag changes, the under-voltage alarm, sources failing and recovering).", "kind")
}

// registerRequests makes the workload's request metrics.
func (e *Exporter) registerRequests(r registrar, o Options) {
	e.requests = r.cv("aihat_requests_total", "Requests of the workload by outcome (ok, or the failure's class).", "outcome")
	e.requestErrors = r.cv("aihat_request_errors_total", "Failed requests by class.", "class")
	if o.Runtime == "ollama" {
		for _, oc := range outcomes {
			e.requests.WithLabelValues(oc) // zero from the start, so rate() sees the first one
			if oc != "ok" {
				e.requestErrors.WithLabelValues(oc)
			}
		}
	}
	// The load test asks for 64 tokens a request. At Hailo's figure for
	// Qwen2-1.5B on the Hailo-10H (9.45 tokens/s) a healthy request takes
	// about 7 s, so the buckets are dense from 2 s to 20 s; 120 s is the
	// workload's wait for the next streamed object, past which a request
	// fails as a timeout.
	e.duration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aihat_request_duration_seconds",
		Help:    "Latency of successful requests, from sending to the stream's done object, in seconds.",
		Buckets: []float64{0.5, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 60, 120}})
	// Time to first token is the prompt's prefill: tens of ms for a short
	// prompt on a warm server, seconds when the model is loaded on demand.
	e.ttft = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aihat_request_ttft_seconds",
		Help:    "Time to first token of successful requests, in seconds.",
		Buckets: []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 120}})
	r.MustRegister(e.duration, e.ttft)
	e.tokensPS = r.gv("aihat_request_tokens_per_second", "Decode speed of the last successful request, in tokens per second.")
	e.prefill = r.gv("aihat_request_tokens_per_second_includes_prefill", "1 when the server sent no eval_duration and tokens per second is over the whole request (hailo-ollama).")
	e.tokens = r.c("aihat_generated_tokens_total", "Tokens generated by successful requests (eval_count).")
}

// registerHealth makes the health checks' metrics.
func (e *Exporter) registerHealth(r registrar) {
	r.cf("aihat_health_checks_total", "Health checks run (every --health-every).", &e.checks)
	r.cf("aihat_health_check_failures_total", "Health checks that found under-voltage or /dev/hailo0 missing.", &e.failures)
	r.cf("aihat_work_total", "Work done by the workload as of the last sweep, in its unit (tokens for ollama, inferences for the board model and onnxruntime).", &e.work)
	e.healthOK = r.gv("aihat_health_ok", "1 when the last health check passed, 0 when it failed.")
}

// registerInfo makes the load test's info metric.
func (e *Exporter) registerInfo(r registrar, o Options) {
	info := r.gv("aihat_loadtest_info", "The load test: target (sim is simulated), runtime and model.", "target", "runtime", "model")
	runtime := o.Runtime
	if runtime == "" {
		runtime = "model"
	}
	info.WithLabelValues(o.Target, runtime, o.Model).Set(1)
}

// outcomes are a request's outcomes: ok or a workload.ErrClass.
var outcomes = []string{"ok", string(workload.ErrRefused), string(workload.ErrStatus), string(workload.ErrTimeout),
	string(workload.ErrMalformed), string(workload.ErrServer), string(workload.ErrOther)}

// Gatherer is the registry, for Serve and Textfile.
func (e *Exporter) Gatherer() prometheus.Gatherer { return e.reg }

// Changed reports whether anything was observed since the last call.
func (e *Exporter) Changed() bool { return e.changed.Swap(false) }

var _ loadtest.Live = (*Exporter)(nil)

// Sweep takes one telemetry sweep. It costs a map lookup and an atomic
// store per value once each name has been seen (BenchmarkSweep).
func (e *Exporter) Sweep(sw telemetry.Sweep) {
	e.mu.Lock()
	if e.start.IsZero() {
		e.start = sw.T
	}
	start := e.start
	for name, v := range sw.Values {
		s, ok := e.setters[name]
		if !ok {
			s = e.classify(name)
			// Remember at most twice the cap of names, those dropped at the
			// cap too, so a flood of new names costs classification, not
			// memory. A name dropped below the cap (no valid label value)
			// is not remembered: the cache then holds only names that made
			// a label set or came after the cap, and a name not in it never
			// makes a second label set.
			if (s != nil || e.made >= e.max) && len(e.setters) < 2*e.max {
				e.setters[name] = s
			}
		}
		if s == nil {
			e.dropped.Inc()
			continue
		}
		s(v)
	}
	for _, src := range sw.Failed {
		if c := e.child(e.failedBy, e.sourceFailures, src); c != nil {
			c.Inc()
		}
	}
	for _, ev := range sw.Events {
		if c := e.child(e.eventsBy, e.events, ev.Kind); c != nil {
			c.Inc()
		}
	}
	e.mu.Unlock()
	e.sweeps.Inc()
	e.sweepTime.Set(float64(sw.T.UnixNano()) / 1e9)
	e.elapsed.Set(sw.T.Sub(start).Seconds())
	e.changed.Store(true)
}

// child returns the counter of a label value from a sweep (a source's
// name, an event's kind), made under the same cap as the gauges; nil past
// it. e.mu is held.
func (e *Exporter) child(seen map[string]prometheus.Counter, v *prometheus.CounterVec, label string) prometheus.Counter {
	if c, ok := seen[label]; ok {
		return c
	}
	if e.made >= e.max {
		e.dropped.Inc()
		return nil
	}
	c, err := v.GetMetricWithLabelValues(label)
	if err != nil {
		e.dropped.Inc()
		return nil
	}
	e.made++
	seen[label] = c
	return c
}

// classify finds where a sweep name's values go, making its label set if
// the cap allows; nil drops it. e.mu is held.
func (e *Exporter) classify(name string) setter {
	mk := func(v *prometheus.GaugeVec, labels ...string) setter {
		if e.made >= e.max {
			return nil
		}
		g, err := v.GetMetricWithLabelValues(labels...)
		if err != nil { // not valid UTF-8: no label value
			return nil
		}
		e.made++
		return g.Set
	}
	switch name {
	case "soc_temp":
		return mk(e.thermal, e.zone, "cpu-thermal")
	case "fan_rpm":
		return mk(e.fanRPM, fanChip, "fan1")
	case "fan_pwm":
		return mk(e.fanPWM, fanChip, "pwm1")
	case "mem_available":
		return mk(e.memAvail)
	case "slab":
		return mk(e.slab)
	case "arm_clock":
		return mk(e.arm)
	case "undervoltage_alarm":
		return mk(e.uvAlarm)
	case "pmic.total_w":
		return mk(e.pmicW)
	case "throttled":
		return e.throttleBits()
	case "npu.node_present":
		return mk(e.nodePresent)
	case "workload.errors":
		return mk(e.workErrors)
	case "workload.done":
		return e.work.store
	case "health.checks", "health.failures":
		// aihat_health_checks_total and _failures_total, from the checks.
		return func(float64) {}
	}
	if strings.HasPrefix(name, "throttle.") {
		// The same bits as the raw value, which throttleBits decodes.
		return func(float64) {}
	}
	if rail, q, ok := telemetry.Rail(name); ok {
		src := name[:strings.IndexByte(name, '.')]
		v := map[string]*prometheus.GaugeVec{"v": e.railV, "a": e.railA, "w": e.railW}[q]
		return mk(v, src, rail)
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		proc, q := name[:i], name[i+1:]
		if v := map[string]*prometheus.GaugeVec{"rss": e.procRSS, "fds": e.procFDs, "threads": e.procThreads}[q]; v != nil {
			return mk(v, proc)
		}
	}
	return mk(e.sweepValue, name)
}

// throttleBits sets the raw bitmask and each named bit of get_throttled.
func (e *Exporter) throttleBits() setter {
	if e.made+1+len(pipower.ThrottleBits) > e.max {
		return nil
	}
	raw := e.throttledRaw.WithLabelValues()
	flags := make([]prometheus.Gauge, len(pipower.ThrottleBits))
	for i, b := range pipower.ThrottleBits {
		flags[i] = e.throttled.WithLabelValues(b.Name)
	}
	e.made += 1 + len(flags)
	return func(v float64) {
		raw.Set(v)
		if v < 0 || v > math.MaxUint32 {
			return // not a bitmask: leave the flags as they were
		}
		t := pipower.Throttled{Raw: uint32(v)}
		for i, b := range pipower.ThrottleBits {
			flags[i].Set(b2f(t.Flag(b.Bit)))
		}
	}
}

// Request takes one request of the workload.
func (e *Exporter) Request(q workload.Request) {
	oc := q.Outcome
	known := false
	for _, o := range outcomes {
		known = known || o == oc
	}
	if !known {
		oc = string(workload.ErrOther) // a bounded label set whatever the workload sends
	}
	e.requests.WithLabelValues(oc).Inc()
	if oc != "ok" {
		e.requestErrors.WithLabelValues(oc).Inc()
	} else {
		e.duration.Observe(q.LatencyS)
		if q.TTFTS > 0 {
			e.ttft.Observe(q.TTFTS)
		}
		if q.TokensPS > 0 {
			e.tokensPS.WithLabelValues().Set(q.TokensPS)
			e.prefill.WithLabelValues().Set(b2f(q.Prefill))
		}
		e.tokens.Add(float64(max(q.Tokens, 0)))
	}
	e.changed.Store(true)
}

// Health takes one health check. Its counts are the run's so far, so the
// counters follow them rather than counting calls.
func (e *Exporter) Health(h loadtest.Health) {
	e.checks.store(float64(h.Checks))
	e.failures.store(float64(h.Failures))
	e.work.store(h.Work)
	e.healthOK.WithLabelValues().Set(b2f(len(h.Bad) == 0))
	e.changed.Store(true)
}

// cpuThermalZone is the number N of the thermal_zoneN of type cpu-thermal,
// as telemetry.NewSoCTemp finds it and node_exporter labels it ("" when
// there is none).
func cpuThermalZone(fsys fs.FS) string {
	types, _ := fs.Glob(fsys, "sys/class/thermal/thermal_zone*/type")
	for _, t := range types {
		b, err := fs.ReadFile(fsys, t)
		if err == nil && strings.TrimSpace(string(b)) == "cpu-thermal" {
			return strings.TrimPrefix(path.Base(path.Dir(t)), "thermal_zone")
		}
	}
	return ""
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// atomicFloat is a float64 read by a scrape while a health check writes it.
type atomicFloat struct{ bits atomic.Uint64 }

func (a *atomicFloat) store(v float64) { a.bits.Store(math.Float64bits(v)) }
func (a *atomicFloat) load() float64   { return math.Float64frombits(a.bits.Load()) }
