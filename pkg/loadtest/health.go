package loadtest

import (
	"fmt"

	"github.com/aihat/aihat/pkg/driver"
)

// checkLink is driver.check's PCIe link in the health check: the
// accelerator's link as the kernel trained it now, against the first
// check's. A link that retrained down (Gen 3 to Gen 1, x1 lost) or a
// device gone from the bus is a failure; the same link is not, whatever
// it is (driver.check judged it against the plan at bring-up).
func (r *run) checkLink() (link string, bad []string) {
	dev, err := driver.FindAccelerator(r.env.Board.FS(), r.env.Plan.Driver)
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
