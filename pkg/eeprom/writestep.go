package eeprom

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"github.com/aihat/aihat/pkg/safefile"
	"io"
	"strings"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// WriteSpec describes eeprom.write, a step only `aihat eeprom write` runs
// (it needs the image): a command that changes the board leaves a record
// like a stage does, and the plan judges its read-back.
func WriteSpec() stage.Stage {
	return stage.Stage{
		Name:     "eeprom.write",
		Summary:  "program an image into the HAT EEPROM and read it back (what was written, the read-back and WP results)",
		Section:  "hat",
		Measures: []string{"image", "image.bytes", "image.sha256", "verify_only", "read_back_identical", "wp_holds"},
	}
}

// WriteStage is eeprom.write: Write with the plan's hat section, its text
// going to o.Out and into the step's log, and what was written and what
// the read-back showed recorded. Write's own error is kept in *o.Result for
// the command's exit code; a read-back or write-protect failure is a
// failing measurement (judged by the plan's eeprom.write.* limits),
// anything that stopped the write before its verdict is the step's error.
func WriteStage(o WriteOptions) stage.Func {
	return func(ctx context.Context, env *stage.Env, step *report.Step) error {
		stage.Measure(env, step, stage.M{Name: "image", Value: o.Image})
		if data, err := safefile.ReadFile(o.Image, safefile.NVMemMax); err == nil {
			sum := sha256.Sum256(data)
			stage.Measure(env, step, stage.M{Name: "image.bytes", Value: float64(len(data)), Unit: "B"})
			stage.Measure(env, step, stage.M{Name: "image.sha256", Value: hex.EncodeToString(sum[:])})
		}
		stage.Measure(env, step, stage.M{Name: "verify_only", Value: o.VerifyOnly})
		out := io.Writer(&lineLog{step: step})
		if o.Out != nil {
			out = io.MultiWriter(o.Out, out)
		}
		err := Write(ctx, env.Board, env.Plan.HAT, o, out)
		if o.Result != nil {
			*o.Result = err
		}
		verdict := err == nil || errors.Is(err, ErrReadBack) || errors.Is(err, ErrWritesIgnored) || errors.Is(err, ErrWPNotHolding)
		if !verdict {
			return err
		}
		identical := err == nil || errors.Is(err, ErrWPNotHolding) // WP is tested after a whole, identical read-back
		remedy := ""
		if err != nil {
			remedy = err.Error()
		}
		stage.Measure(env, step, stage.M{Name: "read_back_identical", Value: identical, Code: "EEPROM_WRITE_READBACK", Remedy: remedy})
		if !o.VerifyOnly {
			stage.Measure(env, step, stage.M{Name: "wp_holds", Value: !errors.Is(err, ErrWPNotHolding), Code: "EEPROM_WP", Remedy: remedy})
		}
		return nil
	}
}

// lineLog copies whole lines written to it into the step's log.
type lineLog struct {
	step *report.Step
	buf  bytes.Buffer
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // half a line: wait for the rest
			return len(p), nil
		}
		l.step.Logf("%s", strings.TrimRight(line, "\n"))
	}
}
