package pipower

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/captures"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/sim"
)

func realSamples(t testing.TB) map[string]string {
	t.Helper()
	cs, err := captures.Load("pmic_read_adc")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range cs {
		out[c.Name] = c.Text
	}
	return out
}

// TestPMICCorpus runs every real pmic_read_adc capture through ParsePMIC
// and checks what its .SOURCE states.
func TestPMICCorpus(t *testing.T) {
	cs, err := captures.Load("pmic_read_adc")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			p, err := ParsePMIC(c.Text)
			if err != nil {
				t.Fatal(err)
			}
			// A poster's own "..." is a line that is not a reading; the
			// .SOURCE counts such lines, and a capture without a count has none.
			if want, ok := c.Expect["bad"]; ok {
				if got := strconv.Itoa(len(p.Bad)); got != want {
					t.Errorf("bad = %s (%v), the capture states %s", got, p.Bad, want)
				}
			} else if len(p.Bad) != 0 {
				t.Errorf("bad lines in a real capture: %v", p.Bad)
			}
			rails := map[string]Rail{}
			for _, r := range p.Rails {
				rails[r.Name] = r
			}
			for k, want := range c.Expect {
				var got string
				switch {
				case k == "bad":
					continue // checked above
				case k == "readings":
					got = strconv.Itoa(len(p.Readings))
				case k == "rails":
					got = strconv.Itoa(len(p.Rails))
				case k == "ext5v_v":
					v, ok := p.Input()
					got = fmtOK(v, ok)
				case k == "total_w":
					w, ok := p.TotalWatts()
					if ok {
						// The .SOURCE rounds to 0.1 W.
						w = math.Round(w*10) / 10
					}
					got = fmtOK(w, ok)
				case strings.HasSuffix(k, "_A"):
					r := rails[strings.TrimSuffix(k, "_A")]
					got = fmtOK(r.Amps, r.HasA)
				case strings.HasSuffix(k, "_V"):
					r := rails[strings.TrimSuffix(k, "_V")]
					got = fmtOK(r.Volts, r.HasV)
				default:
					t.Fatalf("unknown expect key %q", k)
				}
				if got != want {
					t.Errorf("%s = %s, the capture states %s", k, got, want)
				}
			}
		})
	}
}

func fmtOK(v float64, ok bool) string {
	if !ok {
		return "unknown"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func TestParsePMICRealLoadedSample(t *testing.T) {
	p, err := ParsePMIC(realSamples(t)["pi5-jfikar-loaded.txt"])
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Readings) != 26 || len(p.Rails) != 14 {
		t.Fatalf("%d readings, %d rails; want 26 and 14", len(p.Readings), len(p.Rails))
	}
	if v, ok := p.Input(); !ok || v != 5.06788 {
		t.Fatalf("EXT5V = %v %v", v, ok)
	}
	byName := map[string]Rail{}
	for _, r := range p.Rails {
		byName[r.Name] = r
	}
	core := byName["VDD_CORE"]
	if core.Amps != 10.87674 || core.Volts != 0.8974594 || core.AChan != 7 || core.VChan != 15 {
		t.Fatalf("VDD_CORE %+v", core)
	}
	// Channels differ between a rail's current and voltage: pairing is by name.
	if dac := byName["3V3_DAC"]; dac.AChan != 17 || dac.VChan != 20 {
		t.Fatalf("3V3_DAC %+v", dac)
	}
	if ext := byName["EXT5V"]; ext.HasA || !ext.HasV || ext.Watts() != 0 {
		t.Fatalf("EXT5V %+v", ext)
	}
	if b := byName["BATT"]; b.Volts != 3.011108 {
		t.Fatalf("BATT %+v", b)
	}
	var want float64
	for _, r := range p.Rails {
		if r.HasA && r.HasV {
			want += r.Amps * r.Volts
		}
	}
	if got, ok := p.TotalWatts(); !ok || math.Abs(got-want) > 1e-12 || got < 10.5 || got > 11 {
		t.Fatalf("total %g W, want %g (≈10.7 W)", got, want)
	}
}

func TestParsePMICFilteredOutput(t *testing.T) {
	p, err := ParsePMIC(realSamples(t)["pi5-ext5v-filtered.txt"])
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := p.Input(); !ok || v != 4.86956 || len(p.Rails) != 1 {
		t.Fatalf("EXT5V %v %v, rails %d", v, ok, len(p.Rails))
	}
}

// TestRealSampleWithinDefaultLimits: a real healthy board's snapshot
// passes the default plan's rail limits (the limits are not sim-tuned).
func TestRealSampleWithinDefaultLimits(t *testing.T) {
	pl, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePMIC(realSamples(t)["pi5-jfikar-loaded.txt"])
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range p.Rails {
		pr := pl.Power.Rail(r.Name)
		if pr == nil {
			continue
		}
		checked++
		if pr.MinV != nil && r.Volts < *pr.MinV || pr.MaxV != nil && r.Volts > *pr.MaxV {
			t.Errorf("%s %.4f V outside [%v, %v]", r.Name, r.Volts, *pr.MinV, *pr.MaxV)
		}
		if pr.MaxA != nil && r.Amps > *pr.MaxA {
			t.Errorf("%s %.3f A above %v", r.Name, r.Amps, *pr.MaxA)
		}
	}
	if checked < 5 {
		t.Fatalf("only %d planned rails in the sample", checked)
	}
}

// TestSimPMICMatchesRealFormat: the sim answers in the real format: the
// same rails and channels in the same order, names right-aligned to 12
// columns, 8 decimals.
func TestSimPMICMatchesRealFormat(t *testing.T) {
	real := realSamples(t)["pi5-jfikar-loaded.txt"]
	b, err := sim.New(sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.Run(context.Background(), "vcgencmd", "pmic_read_adc")
	if err != nil {
		t.Fatal(err)
	}
	rp, _ := ParsePMIC(real)
	sp, err := ParsePMIC(string(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Readings) != len(sp.Readings) {
		t.Fatalf("sim %d readings, real %d", len(sp.Readings), len(rp.Readings))
	}
	for i := range rp.Readings {
		r, s := rp.Readings[i], sp.Readings[i]
		if r.Name != s.Name || r.Channel != s.Channel || r.Current != s.Current {
			t.Errorf("line %d: sim %s(%d), real %s(%d)", i+1, s.Name, s.Channel, r.Name, r.Channel)
		}
	}
	rl, sl := strings.Split(real, "\n"), strings.Split(string(out), "\n")
	for i := range rp.Readings {
		// The reading kind starts in the same column: names are right-aligned.
		if strings.Index(rl[i], " current(")+strings.Index(rl[i], " volt(") != strings.Index(sl[i], " current(")+strings.Index(sl[i], " volt(") {
			t.Errorf("line %d column: sim %q, real %q", i+1, sl[i], rl[i])
		}
		rd := rl[i][strings.Index(rl[i], "=")+1:]
		sd := sl[i][strings.Index(sl[i], "=")+1:]
		if len(rd)-strings.Index(rd, ".") != len(sd)-strings.Index(sd, ".") {
			t.Errorf("line %d decimals: sim %q, real %q", i+1, sd, rd)
		}
	}
}

func TestParsePMICErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "no readings"},
		{"error=1 error_msg=\"Command not registered\"", "line 1"},
		{"  VDD_CORE_A volt(7)=0.75A", "current reading"},
		{"  VDD_CORE_A current(7)=0.75V", "lacks its unit A"},
		{"  VDD_CORE current(7)=0.75A", "suffix"},
		{"  VDD_CORE_A current(x)=0.75A", "bad channel"},
		{"  VDD_CORE_A current(7)=NaNA", "bad value"},
		{"  VDD_CORE_A current(7)=-1A", "bad value"},
		{"  VDD_CORE_A current7=1A", "channel"},
	} {
		_, err := ParsePMIC(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.in, err, tc.want)
		}
	}
	// CRLF and blank lines are fine.
	if p, err := ParsePMIC("\r\n     EXT5V_V volt(24)=5.10540000V\r\n\n"); err != nil || len(p.Rails) != 1 {
		t.Fatalf("CRLF: %v", err)
	}
}

// TestParsePMICKeepsGoodRailsAroundABadLine: one garbled line (here in
// the middle of the real capture) is reported with its number and the
// other 26 readings still count, with the same total.
func TestParsePMICKeepsGoodRailsAroundABadLine(t *testing.T) {
	real := realSamples(t)["pi5-jfikar-loaded.txt"]
	lines := strings.Split(real, "\n")
	garbled := append(append(append([]string{}, lines[:8]...), "  VDD_CORE_A current(7)=garbage", " 3V3_SYS_V volt(9)=3.3V"), lines[8:]...)
	// The garbled VDD_CORE_A line goes first, so the real one after it
	// still counts; the extra 3V3_SYS_V repeats a voltage read later.
	garbled[7], garbled[8] = garbled[8], garbled[7]
	p, err := ParsePMIC(strings.Join(garbled, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Readings) != 26 || len(p.Rails) != 14 {
		t.Fatalf("%d readings, %d rails; want 26 and 14", len(p.Readings), len(p.Rails))
	}
	if len(p.Bad) != 2 || p.Bad[0].Line != 8 || !strings.Contains(p.Bad[0].Err, "garbage") || !strings.Contains(p.Bad[1].Err, "read twice") {
		t.Fatalf("bad lines %v", p.Bad)
	}
	rp, _ := ParsePMIC(real)
	w1, _ := rp.TotalWatts()
	w2, ok := p.TotalWatts()
	// The garbled copy keeps the first 3V3_SYS_V (3.3 V, the inserted line)
	// over the real 3.30632200 V: the totals differ by 0.0063 V × 0.0625 A.
	if !ok || math.Abs(w1-w2) > 1e-3 {
		t.Fatalf("total %g W, want about %g W", w2, w1)
	}
}

// TestTotalUnknownWithoutCurrents: voltages alone measure no power; the
// total is unknown, never 0 W.
func TestTotalUnknownWithoutCurrents(t *testing.T) {
	p, err := ParsePMIC(realSamples(t)["pi5-ext5v-filtered.txt"])
	if err != nil {
		t.Fatal(err)
	}
	if w, ok := p.TotalWatts(); ok || w != 0 {
		t.Fatalf("total %g %v, want unknown", w, ok)
	}
}

func FuzzParsePMIC(f *testing.F) {
	for _, s := range realSamples(f) {
		f.Add(s)
	}
	f.Add("  X_A current(1)=1e308A\n X_V volt(2)=0V")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePMIC(s)
		if err != nil {
			return
		}
		if len(p.Readings) == 0 {
			t.Fatal("nil error without readings")
		}
		for _, r := range p.Rails {
			if !r.HasA && !r.HasV {
				t.Fatalf("rail %q with neither reading", r.Name)
			}
			if w := r.Watts(); math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
				t.Fatalf("rail %q power %g", r.Name, w)
			}
		}
		if w, ok := p.TotalWatts(); !ok && w != 0 {
			t.Fatalf("unknown total with value %g", w)
		}
	})
}

func TestParseThrottled(t *testing.T) {
	th, err := ParseThrottled("throttled=0x50005\n")
	if err != nil {
		t.Fatal(err)
	}
	f := th.Flags()
	want := map[string]bool{"under_voltage_now": true, "throttled_now": true, "under_voltage_occurred": true, "throttled_occurred": true}
	for _, b := range ThrottleBits {
		if f[b.Name] != want[b.Name] {
			t.Errorf("%s = %v, want %v", b.Name, f[b.Name], want[b.Name])
		}
	}
	if th, _ := ParseThrottled("throttled=0x80008"); !th.Flags()["soft_temp_limit_now"] || !th.Flags()["soft_temp_limit_occurred"] || th.Flags()["under_voltage_now"] {
		t.Errorf("0x80008: %v", th.Flags())
	}
	for _, bad := range []string{"", "0x0", "throttled=", "throttled=zz", "throttled=0x100000000"} {
		if _, err := ParseThrottled(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestSummarizeAndWindowMeans(t *testing.T) {
	s := Summarize([]float64{5, 4.6, 5.1, 5})
	if s.N != 4 || s.Min != 4.6 || s.Max != 5.1 || math.Abs(s.Mean-4.925) > 1e-12 {
		t.Fatalf("%+v", s)
	}
	if (Summarize(nil) != Stats{}) {
		t.Fatal("empty")
	}
	got := WindowMeans([]float64{1, 3, 5, 7, 9}, 2)
	if len(got) != 3 || got[0] != 2 || got[1] != 6 || got[2] != 9 {
		t.Fatalf("%v", got)
	}
}
