package bringup

import (
	"context"
	"io"
	"testing"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
)

// BenchmarkBringupSimFoundation times a whole bring-up of the registered
// foundation stages on a fresh simulated board, report writing included:
// the cost a factory station pays per board apart from the hardware.
func BenchmarkBringupSimFoundation(b *testing.B) {
	p, err := plan.Default()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		sb, err := sim.New(sim.Options{Seed: int64(i)})
		if err != nil {
			b.Fatal(err)
		}
		env := stage.NewEnv(sb, p)
		steps, err := Resolve([]string{"board.identify", "i2c.scan"})
		if err != nil {
			b.Fatal(err)
		}
		r := Run(context.Background(), env, steps, Meta{})
		if r.Outcome != report.Pass {
			b.Fatalf("healthy sim: %s", r.Outcome)
		}
		if err := report.WriteJUnit(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
