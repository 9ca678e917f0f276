package loadtest

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/telemetry"
	"github.com/aihat/aihat/pkg/workload"
)

// What the run sees on every sweep besides the board-wide sources, so
// that its outage, error and brown-out verdicts come from the journal's
// sweeps (a resumed run replays them) and not only from the health
// checks: a 4 s brown-out or the start of a driver reset falls between
// two checks 10 min apart.

// nodeSource samples whether the NPU's device node exists: a stat, cheap
// at 1 Hz. Driver 5.1–5.2 make /dev/hailo0, 5.3 /dev/h1x-0; either counts.
type nodeSource struct{ fsys fs.FS }

func (s nodeSource) Name() string { return "npu_node" }
func (s nodeSource) Close()       {}
func (s nodeSource) Sample(context.Context, time.Time) ([]telemetry.Reading, []telemetry.Event, error) {
	v := 0.0
	for _, p := range []string{"dev/hailo0", "dev/h1x-0"} {
		if _, err := fs.Stat(s.fsys, p); err == nil {
			v = 1
			break
		}
	}
	return []telemetry.Reading{{Series: "npu.node_present", Unit: "", Value: v}}, nil, nil
}

// liveUV is get_throttled's bit 0 (under-voltage now) in a sweep, as
// telemetry's Throttle source names it (pipower.ThrottleBits).
const liveUV = "throttle.under_voltage_now"

// erring is a workload that counts its failed work (the sim's load).
type erring interface{ Errors() float64 }

// workloadSource samples the workload's failed-work counter (cumulative
// since its start) into each sweep.
type workloadSource struct{ w erring }

func (s workloadSource) Name() string { return "workload" }
func (s workloadSource) Close()       {}
func (s workloadSource) Sample(context.Context, time.Time) ([]telemetry.Reading, []telemetry.Event, error) {
	return []telemetry.Reading{{Series: "workload.errors", Unit: "count", Value: s.w.Errors()}}, nil, nil
}

// faultSources are the per-sweep sources the fault verdicts need.
func faultSources(fsys fs.FS, w workload.Workload) []telemetry.Source {
	srcs := []telemetry.Source{nodeSource{fsys}}
	if e, ok := w.(erring); ok {
		srcs = append(srcs, workloadSource{e})
	}
	return srcs
}

// span is an interval the run saw something in, from the first sweep
// that saw it to the first that no longer did (zero end: still going at
// the last sweep).
type span struct{ start, end time.Time }

// faultState is what the outage, error and brown-out verdicts fold from
// sweeps. Like run.observe it only reads sweeps: a replay rebuilds it.
type faultState struct {
	last time.Time // the latest sweep

	nodeSeen bool
	outages  []span
	inOutage bool

	errSeen   bool
	errors    float64 // failed work, summed over the counter's rises
	lastCount float64

	uvSeen    bool
	uv        []span
	inUV      bool
	lastAlarm float64
}

func (f *faultState) observe(sw telemetry.Sweep) {
	f.last = sw.T
	if v, ok := sw.Values["npu.node_present"]; ok {
		f.nodeSeen = true
		f.inOutage = edge(&f.outages, f.inOutage, v == 0, sw.T)
	}
	if v, ok := sw.Values["workload.errors"]; ok {
		f.errSeen = true
		// A counter that went down restarted (a resumed run's new
		// workload): all of its value is new.
		if d := v - f.lastCount; d >= 0 {
			f.errors += d
		} else {
			f.errors += v
		}
		f.lastCount = v
	}
	live, okLive := sw.Values[liveUV]
	alarm, okAlarm := sw.Values["undervoltage_alarm"]
	if okLive || okAlarm {
		f.uvSeen = true
		// Under-voltage shows on a sweep as the live flag (get_throttled
		// bit 0), or as rpi_volt's alarm rising since the last sweep: an
		// episode shorter than the interval that the driver's 2 s poll
		// caught. An alarm that stays set is not a new episode.
		rose := alarm != 0 && f.lastAlarm == 0
		f.inUV = edge(&f.uv, f.inUV, live != 0 || rose, sw.T)
		f.lastAlarm = alarm
	}
}

// edge opens a span when on starts and closes it when it ends; it returns
// whether one is open.
func edge(spans *[]span, open, on bool, t time.Time) bool {
	switch {
	case on && !open:
		*spans = append(*spans, span{start: t})
	case !on && open:
		(*spans)[len(*spans)-1].end = t
	}
	return on
}

// total is the spans' length, one still open ending at the last sweep.
func total(spans []span, last time.Time) time.Duration {
	var d time.Duration
	for _, s := range spans {
		end := s.end
		if end.IsZero() {
			end = last
		}
		d += end.Sub(s.start)
	}
	return d
}

// describe lists spans as offsets from the run's start, at most five.
func describe(spans []span, start time.Time) string {
	var parts []string
	for i, s := range spans {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(spans)-5))
			break
		}
		at := s.start.Sub(start).Round(time.Second)
		if s.end.IsZero() {
			parts = append(parts, fmt.Sprintf("from %s to the end", at))
		} else {
			parts = append(parts, fmt.Sprintf("%s for %s", at, s.end.Sub(s.start).Round(time.Second)))
		}
	}
	return strings.Join(parts, ", ")
}

// events are the spans as start and end events for the record.
func events(spans []span, kind, what string) []report.Event {
	var evs []report.Event
	for _, s := range spans {
		evs = append(evs, report.Event{Time: s.start, Kind: kind, Detail: what + " began"})
		if !s.end.IsZero() {
			evs = append(evs, report.Event{Time: s.end, Kind: kind, Detail: fmt.Sprintf("%s ended after %s", what, s.end.Sub(s.start).Round(time.Second))})
		}
	}
	return evs
}

// verdicts measures the NPU's outage, the failed work and the brown-outs,
// each only when its series was sampled.
func (f *faultState) verdicts(env *stage.Env, step *report.Step, start time.Time) {
	if f.nodeSeen {
		step.Events = append(step.Events, events(f.outages, "npu_outage", "/dev/hailo0 missing")...)
		d := total(f.outages, f.last)
		stage.Measure(env, step, stage.M{Name: "npu_outage", Value: d.Seconds(), Unit: "s", Code: "LOADTEST_NPU_OUTAGE",
			Remedy: fmt.Sprintf("the NPU's device node was gone %d time(s), %s in all (%s after the start; timed to the sampling interval): a driver reset or the device falling off PCIe; see dmesg | grep -i hailo and lspci -d 1e60:",
				len(f.outages), d.Round(time.Second), describe(f.outages, start))})
	}
	if f.errSeen {
		stage.Measure(env, step, stage.M{Name: "workload_errors", Value: f.errors, Unit: "count", Code: "LOADTEST_WORKLOAD_ERRORS",
			Remedy: fmt.Sprintf("%.0f inference(s) failed during the run: see npu_outage and the step's events for when the NPU was unavailable", f.errors)})
	}
	if f.uvSeen {
		step.Events = append(step.Events, events(f.uv, "undervoltage", "under-voltage")...)
		stage.Measure(env, step, stage.M{Name: "undervoltage_episodes", Value: float64(len(f.uv)), Unit: "count", Code: "LOADTEST_UNDERVOLTAGE",
			Remedy: fmt.Sprintf("the supply fell below the under-voltage threshold (4.63 V) %d time(s) under load (%s after the start): use the official 27 W USB-C supply, a short thick cable, and check what else draws from the 5 V rail",
				len(f.uv), describe(f.uv, start))})
	}
}
