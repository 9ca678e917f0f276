package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/aihat/aihat/pkg/accel"
	"github.com/aihat/aihat/pkg/telemetry"
)

// checkLink is driver.check's PCIe link in the health check: the
// accelerator's link as the kernel trained it now, against the first
// check's. A link that retrained down (Gen 3 to Gen 1, x1 lost) or a
// device gone from the bus is a failure; the same link is not, whatever
// it is (driver.check judged it against the plan at bring-up).
func (r *run) checkLink() (link string, bad []string) {
	dev, err := accel.FindAccelerator(r.env.Board.FS(), r.env.Plan.Driver)
	switch {
	case err != nil:
		// No PCI bus to read (a captured tree without sysfs): nothing
		// to compare, and nothing failed.
		return "", nil
	case dev == nil:
		if r.linkBase != "" {
			return "", []string{"the accelerator is gone from the PCI bus (was " + r.linkBase + ")"}
		}
		return "", nil
	}
	link = fmt.Sprintf("%s %s x%s", dev.Address, dev.LinkSpeed, dev.LinkWidth)
	if r.linkBase == "" {
		r.linkBase = link
		r.step.Logf("PCIe link at the first health check: %s (later checks compare with it)", link)
		return link, nil
	}
	if link != r.linkBase {
		return link, []string{fmt.Sprintf("PCIe link now %s, was %s at the start (retrained: a marginal cable or connector)", link, r.linkBase)}
	}
	return link, nil
}

// healthSource puts the health checks so far into every sweep: the
// checks are then series in the record (and the journal) as well as
// events, and a resumed run's counts are in its sweeps too.
type healthSource struct{ r *run }

func (s healthSource) Name() string { return "health" }
func (s healthSource) Close()       {}
func (s healthSource) Sample(context.Context, time.Time) ([]telemetry.Reading, []telemetry.Event, error) {
	return []telemetry.Reading{
		{Series: "health.checks", Unit: "count", Value: float64(s.r.checks)},
		{Series: "health.failures", Unit: "count", Value: float64(s.r.failures)},
	}, nil, nil
}
