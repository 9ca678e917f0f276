package termline

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Bar is a live progress bar over a planned total, with fields after it,
// redrawn in place by mpb, which fits the line to the terminal's width.
// The planned total may move (a soak's steady state cuts its load short)
// and the work may end before reaching it.
//
// The mpb bar is made with total 0 and given its total by SetTotal: a bar
// made with a positive total only completes when its count reaches that
// total, and ignores SetTotal(…, true), so a run ending before its planned
// total left Wait blocked for ever (issue 23's thermal soak).
type Bar struct {
	ctx  context.Context
	w    io.Writer
	name string

	mu     sync.Mutex
	fields []string
	p      *mpb.Progress
	bar    *mpb.Bar
}

// NewBar prepares a bar named name on w; nothing is drawn before the first
// Update. Cancelling ctx ends the bar as End does.
func NewBar(ctx context.Context, w io.Writer, name string) *Bar {
	return &Bar{ctx: ctx, w: w, name: name}
}

// Update shows done of planned (one unit, e.g. seconds) and fields, in
// order of importance: a narrow terminal drops the last ones whole, then
// the bar; one column is left spare.
func (b *Bar) Update(done, planned int64, fields []string) {
	b.mu.Lock()
	if b.p == nil {
		b.p = mpb.NewWithContext(b.ctx, mpb.WithOutput(b.w), mpb.WithWidth(200),
			mpb.WithRefreshRate(200*time.Millisecond), mpb.WithAutoRefresh())
		b.bar = b.p.New(0, mpb.BarStyle(), mpb.BarWidth(24),
			mpb.PrependDecorators(decor.Name(b.name)),
			mpb.AppendDecorators(decor.Any(b.text)))
	}
	b.fields = fields
	bar := b.bar
	b.mu.Unlock()
	bar.SetTotal(planned, false)
	bar.SetCurrent(done)
}

// text is the fields fitted to what the terminal leaves after the bar.
func (b *Bar) text(st decor.Statistics) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Fit(b.fields, "  ", st.AvailableWidth-1)
}

// End completes the bar at done, whatever was planned, and returns once
// its last frame (with the last fields) is drawn; a bar never updated
// draws nothing.
func (b *Bar) End(done int64) {
	b.mu.Lock()
	p, bar := b.p, b.bar
	b.mu.Unlock()
	if p == nil {
		return
	}
	bar.SetCurrent(done)
	bar.SetTotal(-1, true)
	p.Wait()
}
