package thermal

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/rooted"
	"github.com/aihat/aihat/pkg/telemetry"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// panel is one strip of the soak plot: series drawn against the shared
// time axis, each scaled into the panel's unit.
type panel struct {
	title, unit string
	lines       []line
}

type line struct {
	series string
	label  string
	scale  float64
	col    color.Color
}

var (
	red    = color.RGBA{R: 200, G: 40, B: 40, A: 255}
	blue   = color.RGBA{R: 30, G: 90, B: 200, A: 255}
	green  = color.RGBA{R: 20, G: 140, B: 60, A: 255}
	purple = color.RGBA{R: 120, G: 60, B: 160, A: 255}
	orange = color.RGBA{R: 220, G: 120, B: 0, A: 255}
	// Non-premultiplied: translucent over the grid and lines.
	shade = color.NRGBA{R: 255, G: 120, B: 120, A: 70}
)

// soakPanels are the plot's strips, top to bottom.
func soakPanels(workUnit string) []panel {
	return []panel{
		{"Temperature", "°C", []line{{"soc_temp", "SoC", 1, red}, {"npu_temp", "NPU", 1, orange}}},
		{"ARM clock (measure_clock arm)", "GHz", []line{{"arm_clock", "ARM", 1e-9, blue}}},
		{"Fan", "rpm", []line{{"fan_rpm", "rpm", 1, green}}},
		{"Fan PWM", "0-255", []line{{"fan_pwm", "PWM", 1, green}}},
		{"Power (PMIC rails)", "W", []line{{"pmic.total_w", "PMIC total", 1, purple}}},
		{"Throughput", workUnit, []line{{"throughput", "throughput", 1, blue}}},
	}
}

// WritePlots draws the soak's series on one shared time axis (minutes
// from the start), throttled stretches shaded in every strip, and writes
// it as <name>.svg and <name>.png into dir. It returns the attachments,
// with paths relative to dir.
func WritePlots(dir, name string, res *telemetry.Result, spans [][2]time.Time, workUnit string) ([]report.Attachment, error) {
	return drawPlots(name, res, spans, workUnit, func(file string, b []byte) error {
		return writeAtomic(filepath.Join(dir, file), b)
	})
}

// WritePlotsIn is WritePlots into a report directory held open (the
// session's, stage.Env.ReportRoot): a link planted in the report
// directory while the soak runs cannot send the plots elsewhere.
func WritePlotsIn(d *rooted.Dir, name string, res *telemetry.Result, spans [][2]time.Time, workUnit string) ([]report.Attachment, error) {
	return drawPlots(name, res, spans, workUnit, func(file string, b []byte) error {
		return d.WriteAtomic(file, func(w io.Writer) error { _, err := w.Write(b); return err })
	})
}

func drawPlots(name string, res *telemetry.Result, spans [][2]time.Time, workUnit string, write func(file string, b []byte) error) ([]report.Attachment, error) {
	if res == nil || len(res.Series) == 0 {
		return nil, fmt.Errorf("nothing was sampled")
	}
	var plots [][]*plot.Plot
	for _, pn := range soakPanels(workUnit) {
		p, ok, err := drawPanel(pn, res, spans)
		if err != nil {
			return nil, err
		}
		if ok {
			plots = append(plots, []*plot.Plot{p})
		}
	}
	if len(plots) == 0 {
		return nil, fmt.Errorf("none of the plotted series was sampled")
	}
	plots[0][0].Title.Text = fmt.Sprintf("%s, %s (throttled shaded): %s", name, res.End.Sub(res.Start).Round(time.Second), plots[0][0].Title.Text)
	plots[len(plots)-1][0].X.Label.Text = "time since start (min)"
	w, h := 9*vg.Inch, vg.Length(len(plots))*1.7*vg.Inch
	var atts []report.Attachment
	for _, f := range []struct {
		ext, media string
		canvas     func() (vg.CanvasWriterTo, draw.Canvas)
	}{
		{"svg", "image/svg+xml", func() (vg.CanvasWriterTo, draw.Canvas) { c := vgsvg.New(w, h); return c, draw.New(c) }},
		{"png", "image/png", func() (vg.CanvasWriterTo, draw.Canvas) {
			c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))}
			return c, draw.New(c)
		}},
	} {
		cw, dc := f.canvas()
		tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(4), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
		canvases := plot.Align(plots, tiles, dc)
		for i := range plots {
			plots[i][0].Draw(canvases[i][0])
		}
		var buf bytes.Buffer
		if _, err := cw.WriteTo(&buf); err != nil {
			return atts, fmt.Errorf("render %s plot: %w", f.ext, err)
		}
		file := name + "." + f.ext
		if err := write(file, buf.Bytes()); err != nil {
			return atts, err
		}
		atts = append(atts, report.Attachment{Name: name + " plot (" + f.ext + ")", Path: file, MediaType: f.media})
	}
	return atts, nil
}

func drawPanel(pn panel, res *telemetry.Result, spans [][2]time.Time) (*plot.Plot, bool, error) {
	p := plot.New()
	p.Y.Label.Text = pn.unit
	p.Legend.Top = true
	p.Legend.Left = true
	p.X.Min, p.X.Max = 0, math.Max(res.End.Sub(res.Start).Minutes(), 1.0/60)
	lo, hi := math.Inf(1), math.Inf(-1)
	var drawn []plot.Plotter
	var labels []string
	var lines []*plotter.Line
	for _, l := range pn.lines {
		s := res.Series[l.series]
		if s == nil || len(s.Envelope.Buckets) == 0 {
			continue
		}
		xy := make(plotter.XYs, 0, len(s.Envelope.Buckets))
		band := make(plotter.XYs, 0, 2*len(s.Envelope.Buckets))
		for _, b := range s.Envelope.Buckets {
			x := b.Start.Add(b.End.Sub(b.Start) / 2).Sub(res.Start).Minutes()
			xy = append(xy, plotter.XY{X: x, Y: b.Mean * l.scale})
			band = append(band, plotter.XY{X: x, Y: b.Max * l.scale})
			lo, hi = math.Min(lo, b.Min*l.scale), math.Max(hi, b.Max*l.scale)
		}
		// The min/max envelope as a light band under the mean line: a
		// one-sample dip stays visible however long the run.
		bs := s.Envelope.Buckets
		for i := len(bs) - 1; i >= 0; i-- {
			x := bs[i].Start.Add(bs[i].End.Sub(bs[i].Start) / 2).Sub(res.Start).Minutes()
			band = append(band, plotter.XY{X: x, Y: bs[i].Min * l.scale})
		}
		if len(xy) > 1 {
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, false, err
			}
			c := color.NRGBAModel.Convert(l.col).(color.NRGBA)
			c.A = 50
			poly.Color, poly.LineStyle.Width, poly.LineStyle.Color = c, 0, color.Transparent
			drawn = append(drawn, poly)
		}
		ln, err := plotter.NewLine(xy)
		if err != nil {
			return nil, false, err
		}
		ln.Color, ln.Width = l.col, vg.Points(1.2)
		lines = append(lines, ln)
		labels = append(labels, l.label)
	}
	if len(lines) == 0 {
		return nil, false, nil
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-1, hi+1
	}
	pad := 0.08 * (hi - lo)
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
	for _, sp := range spans {
		x0, x1 := sp[0].Sub(res.Start).Minutes(), sp[1].Sub(res.Start).Minutes()
		if x1-x0 < 1.0/60 {
			x1 = x0 + 1.0/60
		}
		poly, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: p.Y.Min}, {X: x1, Y: p.Y.Min}, {X: x1, Y: p.Y.Max}, {X: x0, Y: p.Y.Max}})
		if err != nil {
			return nil, false, err
		}
		poly.Color, poly.LineStyle.Width, poly.LineStyle.Color = shade, 0, color.Transparent
		p.Add(poly)
	}
	p.Add(drawn...)
	p.Add(plotter.NewGrid())
	for i, ln := range lines {
		p.Add(ln)
		p.Legend.Add(labels[i], ln)
	}
	p.Title.Text = pn.title
	p.Title.TextStyle.Font.Size = vg.Points(10)
	return p, true, nil
}

// writeAtomic writes a file whole or not at all, never through a link
// planted in the report directory (rooted).
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), rooted.DirMode); err != nil {
		return err
	}
	return rooted.WriteFile(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}
