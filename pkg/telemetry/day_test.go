package telemetry_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/sim"
	. "github.com/aihat/aihat/pkg/telemetry"
)

// vm reads a VmRSS/VmHWM line of this process, in bytes.
func vm(field string) float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == field {
			f := strings.Fields(v)
			n, _ := strconv.ParseFloat(f[0], 64)
			return n * 1024
		}
	}
	return 0
}

// BenchmarkDayOnTheSim samples 24 h of virtual time at 1 Hz on the sim
// with every default source, every sweep into a journal: the issue's
// targets are ≤ 10 s wall, peak RSS ≤ 50 MB, and RSS after 24 h within
// 10 % of RSS after 1 h (memory flat: envelopes, not slices).
func BenchmarkDayOnTheSim(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sb, err := sim.New(sim.Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		srcs, _ := DefaultSources(sb)
		j, err := journal.Create(filepath.Join(b.TempDir(), journal.FileName), journal.Clocks{Wall: sb.Clock().Now})
		if err != nil {
			b.Fatal(err)
		}
		var rss1h, rss24h float64
		n := 0
		s := &Sampler{Clock: sb.Clock(), Interval: time.Second, Sources: srcs, Sink: JournalSink(j),
			Between: func(context.Context, Sweep) error {
				n++
				switch n {
				case 3600:
					debug.FreeOSMemory() // RSS of live memory, not of garbage the scavenger has not returned yet
					rss1h = vm("VmRSS")
				case 86400:
					debug.FreeOSMemory() // RSS of live memory, not of garbage the scavenger has not returned yet
					rss24h = vm("VmRSS")
				}
				return nil
			}}
		wall := time.Now()
		res, err := s.Run(context.Background(), 86400)
		if err != nil {
			b.Fatal(err)
		}
		j.Close()
		s.Close()
		b.ReportMetric(time.Since(wall).Seconds(), "wall-s/day")
		b.ReportMetric(vm("VmHWM")/1e6, "peakRSS-MB")
		b.ReportMetric(rss24h/rss1h, "rss24h/rss1h")
		if res.Sweeps != 86400 {
			b.Fatalf("%d sweeps", res.Sweeps)
		}
	}
}
