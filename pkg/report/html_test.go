package report

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHTMLPutsFailuresFirstWithTheirRemedies(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, sampleRun()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<header id="banner" class="banner error" data-outcome="ERROR">`,
		`<h1>SIMULATED ERROR</h1>`,
		`<div id="sim-banner" class="simnote">`,
		`<th>Serial</th><td>4d65822107fcfd52</td>`,
		`<th>Station</th><td>line 3 station</td>`,
		`<th>Board model</th><td>Raspberry Pi 5 Model B Rev 1.0</td>`,
		// html/template escapes the remedy's markup; it is text, never HTML.
		`check the &lt;HAT&gt; &amp; its &#34;supply&#34; | cable`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	problems := page[strings.Index(page, `id="problems"`):strings.Index(page, `id="summary"`)]
	// The step that could not run, then the limit failure, then the
	// marginal pass: worst first.
	iErr, iFail, iMarg := strings.Index(problems, "permission denied"), strings.Index(problems, "HAT_5V.max_current"), strings.Index(problems, "EXT5V_V.min")
	if iErr < 0 || iFail < 0 || iMarg < 0 || !(iErr < iFail && iFail < iMarg) {
		t.Errorf("problem order error %d, fail %d, marginal %d, want increasing:\n%s", iErr, iFail, iMarg, problems)
	}
	if strings.Contains(problems, "uv_alarm") {
		t.Errorf("a passing measurement is listed as a problem:\n%s", problems)
	}
	if regexp.MustCompile(`(?i)<script|https?://[^"]*\.(css|js|png)|<link `).MatchString(page) {
		t.Error("the page loads something: it must be self-contained")
	}
}

func TestHTMLOfAHealthyRealBoardHasNoSimulatedBanner(t *testing.T) {
	r := sampleRun()
	r.Target, r.Simulated = "linux", false
	r.Steps = r.Steps[:1]
	r.Finish(r.Ended)
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "SIMULATED") || !strings.Contains(b.String(), `class="banner pass"`) {
		t.Errorf("healthy linux run: banner wrong:\n%s", b.String()[:600])
	}
	if !strings.Contains(b.String(), "Nothing failed and nothing is marginal.") {
		t.Error("no 'nothing failed' line")
	}
}

// longRun is a 72 h run at 1 Hz: one step with series kept as 512-bucket
// envelopes (what pkg/telemetry records), one with a one-sample sag.
func longRun(series int) *Run {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	span := 72 * time.Hour
	st := NewStep("loadtest.soak", t0)
	const buckets = 512
	w := span / buckets
	for k := 0; k < series; k++ {
		s := Series{Name: "series" + string(rune('a'+k)), Unit: "°C"}
		for i := 0; i < buckets; i++ {
			v := 50 + 10*math.Sin(float64(i)/40+float64(k))
			bk := SeriesBucket{T0: t0.Add(time.Duration(i) * w), T1: t0.Add(time.Duration(i+1) * w), N: int(w / time.Second), Min: v - 1, Mean: v, Max: v + 1}
			if i == 300 {
				bk.Min = 4.2 // a one-second sag inside a 506 s bucket
			}
			s.Buckets = append(s.Buckets, bk)
		}
		st.Series = append(st.Series, s)
	}
	st.Series = append(st.Series, Series{Name: "throttle.arm_capped", Buckets: []SeriesBucket{
		{T0: t0.Add(10 * time.Hour), T1: t0.Add(11 * time.Hour), N: 3600, Max: 1, Mean: 0.5},
	}})
	st.Events = []Event{{Time: t0.Add(20 * time.Hour), Kind: "source_failing", Detail: "fan: read fan1_input: no such device"},
		{Time: t0.Add(21 * time.Hour), Kind: "source_recovered", Detail: "fan"}}
	st.Add(Measurement{Name: "soc_temp.max", Value: 61.0, Unit: "°C", Limits: AtMost(80)})
	st.Finish(t0.Add(span), nil)
	r := &Run{ID: "SN-long", Target: "sim", Started: t0, Steps: []*Step{st}}
	r.Finish(t0.Add(span))
	return r
}

func TestHTMLOfA72HourRunIsSmallAndKeepsExtremes(t *testing.T) {
	r := longRun(24)
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// The bound: a 72 h run's report stays under 2 MB.
	if b.Len() >= 2<<20 {
		t.Errorf("report is %d B, want < 2 MiB", b.Len())
	}
	if n := strings.Count(page, "<svg"); n != 25 {
		t.Errorf("%d plots, want one per series (25)", n)
	}
	if !strings.Contains(page, `class="throttled"`) || !strings.Contains(page, `class="outage"`) {
		t.Error("throttled period or outage not shaded")
	}
	// The sag's 4.2 °C is the y axis' floor (minus the 5 % pad): kept
	// through downsampling, not averaged away.
	labs := regexp.MustCompile(`class="ylab">([0-9.-]+) °C<`).FindAllStringSubmatch(page, 2)
	if len(labs) < 2 {
		t.Fatalf("no y axis labels")
	}
	if lo, _ := strconv.ParseFloat(labs[1][1], 64); lo > 4.2 {
		t.Errorf("the first plot's y axis starts at %g °C, above the one-sample sag of 4.2 °C", lo)
	}
	t.Logf("72 h, 25 series: %d B", b.Len())
}

func TestDownsampleKeepsMinMaxAndWeightsTheMean(t *testing.T) {
	t0 := time.Unix(0, 0)
	bs := []SeriesBucket{
		{T0: t0, T1: t0.Add(time.Second), N: 1, Min: 1, Mean: 1, Max: 1},
		{T0: t0.Add(time.Second), T1: t0.Add(2 * time.Second), N: 3, Min: -5, Mean: 3, Max: 9},
	}
	cols := downsample(bs, t0, t0.Add(2*time.Second), 1)
	if c := cols[0]; c.N != 4 || c.Min != -5 || c.Max != 9 || c.Mean != 2.5 {
		t.Fatalf("column %+v, want N 4, min -5, max 9, mean (1+9)/4 = 2.5", c)
	}
}

func TestHTMLListsTheFirstEventsAndCountsTheRest(t *testing.T) {
	r := longRun(1)
	st := r.Steps[0]
	for i := 0; i < 1000; i++ {
		st.Events = append(st.Events, Event{Time: r.Started.Add(time.Duration(i) * time.Minute), Kind: "throttle", Detail: "arm_capped set"})
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "<td>throttle</td>"); n != maxEvents {
		t.Errorf("%d event rows, want %d", n, maxEvents)
	}
	if !strings.Contains(b.String(), "702 more events are in run.json.") {
		t.Error("no count of the events left out (1002 events, 300 listed)")
	}
}
