package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// The HTML report is one self-contained file: inline CSS and SVG, no
// script and nothing fetched, so it opens on an offline station and in a
// mail client. Templates are embedded so the binary carries them.

//go:embed html/report.html.tmpl
var htmlFS embed.FS

var htmlTmpl = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).ParseFS(htmlFS, "html/report.html.tmpl"))

// HTMLFile is the HTML report's name inside a report directory.
const HTMLFile = "report.html"

// plotWidth is the number of columns a plot is drawn with: each column is
// one min/max/mean bucket, so a series of any length is at most this many
// points (a 72 h run at 1 Hz is 259 200 samples, drawn as 600).
const plotWidth = 600

// Plot geometry in SVG user units.
const (
	plotH      = 140.0
	plotLeft   = 64.0
	plotRight  = 8.0
	plotTop    = 8.0
	plotBottom = 22.0
)

type htmlRow struct{ Key, Value string }

type htmlProblem struct {
	Step, Name, Value, Limits, Verdict, Class, Code, Remedy string
}

type htmlMeasurement struct {
	Name, Value, Limits, Verdict, Class, Note string
}

type htmlStep struct {
	Name, Verdict, Class, Duration, Error string
	Measurements                          []htmlMeasurement
	Log                                   []string
}

type htmlPlot struct {
	Title string
	SVG   template.HTML
}

type htmlView struct {
	Run       *Run
	Verdict   string
	Class     string
	Simulated bool
	SimNote   string
	Identity  []htmlRow
	Problems  []htmlProblem
	Steps     []htmlStep
	Plots     []htmlPlot
	Axis      string
	Events    []Event
	// EventsLeft counts events past maxEvents, not listed.
	EventsLeft int
}

// maxEvents is how many events the page lists.
const maxEvents = 300

// WriteHTML writes r as a self-contained HTML page: the verdict banner and
// the board's identity, what failed or is marginal with its remedy, every
// step's measurements with limits, and one plot per series on the run's
// time axis with throttled and outage periods shaded.
func WriteHTML(w io.Writer, r *Run) error {
	v := htmlView{Run: r, Verdict: Verdict(r.Outcome, r.Marginal), Class: outcomeClass(r.Outcome, r.Marginal),
		Simulated: r.IsSimulated(), SimNote: SimulatedNote}
	v.Identity = identityRows(r)
	for _, s := range r.Steps {
		hs := htmlStep{Name: s.Name, Verdict: Verdict(s.Outcome, s.Marginal), Class: outcomeClass(s.Outcome, s.Marginal),
			Duration: s.Duration.Round(time.Millisecond).String(), Error: s.Error, Log: s.Log}
		if s.Error != "" {
			v.Problems = append(v.Problems, htmlProblem{Step: s.Name, Name: "(step)", Verdict: string(s.Outcome),
				Class: outcomeClass(s.Outcome, false), Remedy: s.Error})
		}
		for _, m := range s.Measurements {
			hm := htmlMeasurement{Name: m.Name, Value: FormatValue(m), Limits: FormatLimits(m),
				Verdict: Verdict(m.Outcome, m.Marginal), Class: outcomeClass(m.Outcome, m.Marginal), Note: m.Message}
			if m.Code != "" && m.Outcome != Pass {
				hm.Note = m.Code + ": " + m.Message
			}
			hs.Measurements = append(hs.Measurements, hm)
			if m.Outcome == Fail || m.Outcome == Error || m.Marginal {
				v.Problems = append(v.Problems, htmlProblem{Step: s.Name, Name: m.Name, Value: hm.Value, Limits: hm.Limits,
					Verdict: hm.Verdict, Class: hm.Class, Code: m.Code, Remedy: m.Message})
			}
		}
		v.Events = append(v.Events, s.Events...)
		v.Steps = append(v.Steps, hs)
	}
	// Failures before marginal passes: what stops the board first.
	sort.SliceStable(v.Problems, func(i, j int) bool {
		return problemRank(v.Problems[i]) > problemRank(v.Problems[j])
	})
	sort.SliceStable(v.Events, func(i, j int) bool { return v.Events[i].Time.Before(v.Events[j].Time) })
	if len(v.Events) > maxEvents {
		// A flapping flag over days is thousands of rows: the first ones
		// show how it started, the shading shows when; run.json has all.
		v.EventsLeft = len(v.Events) - maxEvents
		v.Events = v.Events[:maxEvents]
	}
	t0, t1 := timeAxis(r)
	v.Axis = fmt.Sprintf("%s to %s (%s)", t0.UTC().Format(time.RFC3339), t1.UTC().Format(time.RFC3339), t1.Sub(t0).Round(time.Second))
	shade := shadedSpans(r, t1)
	for _, s := range r.Steps {
		for _, ser := range s.Series {
			title := s.Name + " · " + ser.Name
			if ser.Unit != "" {
				title += " (" + ser.Unit + ")"
			}
			v.Plots = append(v.Plots, htmlPlot{Title: title, SVG: plotSVG(ser, t0, t1, shade)})
		}
	}
	return htmlTmpl.Execute(w, v)
}

func problemRank(p htmlProblem) int {
	switch {
	case strings.HasPrefix(p.Verdict, string(Error)), strings.HasPrefix(p.Verdict, string(Aborted)):
		return 3
	case strings.HasPrefix(p.Verdict, string(Fail)):
		return 2
	}
	return 1
}

// outcomeClass is the CSS class that colours a verdict.
func outcomeClass(o Outcome, marginal bool) string {
	switch {
	case o == Pass && marginal:
		return "marginal"
	case o == Pass:
		return "pass"
	case o == Skip || o == NotRun:
		return "skip"
	case o == Fail:
		return "fail"
	}
	return "error"
}

// identityRows are the run's and the board's identity: the run's own
// fields, then what the identify, EEPROM and driver steps read (the record
// keeps identity as measurements, so it is found there by name).
func identityRows(r *Run) []htmlRow {
	var rows []htmlRow
	add := func(k, v string) {
		if v != "" {
			rows = append(rows, htmlRow{k, v})
		}
	}
	find := func(step, name string) string {
		for _, s := range r.Steps {
			if s.Name != step {
				continue
			}
			for _, m := range s.Measurements {
				if m.Name == name && m.Value != nil {
					return fmt.Sprint(m.Value)
				}
			}
		}
		return ""
	}
	add("Run", r.ID)
	add("Board model", find("board.identify", "model"))
	add("Serial", r.Serial)
	add("HAT vendor", find("eeprom.verify", "vendor"))
	add("HAT product", find("eeprom.verify", "product"))
	add("HAT UUID", find("eeprom.verify", "uuid"))
	add("NPU firmware", find("driver.check", "npu.firmware_version"))
	add("Target", r.Target)
	add("Station", r.Station)
	add("Operator", r.Operator)
	add("Tool version", r.ToolVersion)
	add("Started", r.Started.UTC().Format(time.RFC3339))
	add("Duration", r.Ended.Sub(r.Started).Round(time.Millisecond).String())
	add("Failure codes", strings.Join(r.FailureCodes, ", "))
	return rows
}

// timeAxis is the span every plot shares: the run's, widened to the
// series' own buckets if a record's clocks disagree.
func timeAxis(r *Run) (time.Time, time.Time) {
	t0, t1 := r.Started, r.Ended
	for _, s := range r.Steps {
		for _, ser := range s.Series {
			for _, b := range ser.Buckets {
				if t0.IsZero() || b.T0.Before(t0) {
					t0 = b.T0
				}
				if b.T1.After(t1) {
					t1 = b.T1
				}
			}
		}
	}
	if !t1.After(t0) {
		t1 = t0.Add(time.Second)
	}
	return t0, t1
}

// span is a shaded stretch of a plot: a throttled period or an outage.
type span struct {
	T0, T1 time.Time
	Kind   string // "throttled" or "outage"
}

// shadedSpans are the periods every plot shades: buckets in which a
// throttle flag series was set, and a source's outage from its
// source_failing event to its source_recovered (or the run's end).
func shadedSpans(r *Run, end time.Time) []span {
	var out []span
	for _, s := range r.Steps {
		for _, ser := range s.Series {
			if !strings.HasPrefix(ser.Name, "throttle.") {
				continue
			}
			for _, b := range ser.Buckets {
				if b.Max > 0 {
					out = append(out, span{b.T0, b.T1, "throttled"})
				}
			}
		}
		open := map[string]time.Time{}
		for _, e := range s.Events {
			src, _, _ := strings.Cut(e.Detail, ":")
			switch e.Kind {
			case "source_failing":
				if _, ok := open[src]; !ok {
					open[src] = e.Time
				}
			case "source_recovered":
				if t, ok := open[src]; ok {
					out = append(out, span{t, e.Time, "outage"})
					delete(open, src)
				}
			}
		}
		for _, t := range open {
			out = append(out, span{t, end, "outage"})
		}
	}
	return out
}

// plotSVG draws a series as its min..max envelope with the mean on top,
// downsampled to plotWidth columns, over [t0, t1].
func plotSVG(ser Series, t0, t1 time.Time, shade []span) template.HTML {
	cols := downsample(ser.Buckets, t0, t1, plotWidth)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range cols {
		if c.N == 0 {
			continue
		}
		lo, hi = math.Min(lo, c.Min), math.Max(hi, c.Max)
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	if hi == lo {
		lo, hi = lo-0.5, hi+0.5
	}
	pad := (hi - lo) * 0.05
	lo, hi = lo-pad, hi+pad
	w := plotLeft + plotWidth + plotRight
	h := plotTop + plotH + plotBottom
	span0 := t1.Sub(t0).Seconds()
	x := func(t time.Time) float64 { return plotLeft + plotWidth*t.Sub(t0).Seconds()/span0 }
	y := func(v float64) float64 { return plotTop + plotH*(hi-v)/(hi-lo) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s">`,
		w, h, w, h, template.HTMLEscapeString(ser.Name))
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%d" height="%.0f" class="frame"/>`, plotLeft, plotTop, plotWidth, plotH)
	for _, s := range shade {
		a, z := math.Max(x(s.T0), plotLeft), math.Min(x(s.T1), plotLeft+plotWidth)
		if z <= a {
			z = a + 1 // an instant still shows
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.0f" width="%.1f" height="%.0f" class="%s"><title>%s</title></rect>`, a, plotTop, z-a, plotH, s.Kind, s.Kind)
	}
	// Envelope: the max edge left to right, then the min edge back.
	var env, mean strings.Builder
	first := true
	for i, c := range cols {
		if c.N == 0 {
			continue
		}
		cx := plotLeft + float64(i) + 0.5
		fmt.Fprintf(&env, "%.1f,%.1f ", cx, y(c.Max))
		sep := " L"
		if first {
			sep, first = "M", false
		}
		fmt.Fprintf(&mean, "%s%.1f,%.1f", sep, cx, y(c.Mean))
	}
	for i := len(cols) - 1; i >= 0; i-- {
		if c := cols[i]; c.N > 0 {
			fmt.Fprintf(&env, "%.1f,%.1f ", plotLeft+float64(i)+0.5, y(c.Min))
		}
	}
	if !first {
		fmt.Fprintf(&b, `<polygon class="env" points="%s"/>`, strings.TrimSpace(env.String()))
		fmt.Fprintf(&b, `<path class="mean" d="%s"/>`, mean.String())
	}
	unit := ""
	if ser.Unit != "" && ser.Unit != "1" {
		unit = " " + ser.Unit
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="ylab">%s</text>`, plotLeft-4, plotTop+10, template.HTMLEscapeString(formatFloat(hi)+unit))
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="ylab">%s</text>`, plotLeft-4, plotTop+plotH, template.HTMLEscapeString(formatFloat(lo)+unit))
	for k := 0; k <= 4; k++ {
		tt := t0.Add(time.Duration(float64(t1.Sub(t0)) * float64(k) / 4))
		anchor := "middle"
		if k == 0 {
			anchor = "start"
		} else if k == 4 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="%s" class="xlab">+%s</text>`, x(tt), h-6, anchor, tt.Sub(t0).Round(time.Second))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped strings only
}

// downsample merges buckets into n columns over [t0, t1], each keeping the
// min and max of what falls in it (so one-sample extremes survive) and the
// sample-weighted mean.
func downsample(bs []SeriesBucket, t0, t1 time.Time, n int) []SeriesBucket {
	cols := make([]SeriesBucket, n)
	span := float64(t1.Sub(t0))
	sum := make([]float64, n)
	for _, b := range bs {
		if b.N == 0 {
			continue
		}
		mid := b.T0.Add(b.T1.Sub(b.T0) / 2)
		i := int(float64(mid.Sub(t0)) / span * float64(n))
		if i < 0 {
			i = 0
		}
		if i >= n {
			i = n - 1
		}
		c := &cols[i]
		if c.N == 0 {
			c.Min, c.Max = b.Min, b.Max
		} else {
			c.Min, c.Max = math.Min(c.Min, b.Min), math.Max(c.Max, b.Max)
		}
		c.N += b.N
		sum[i] += b.Mean * float64(b.N)
	}
	for i := range cols {
		if cols[i].N > 0 {
			cols[i].Mean = sum[i] / float64(cols[i].N)
		}
	}
	return cols
}
