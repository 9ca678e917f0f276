package cli

import (
	"net"
	"strconv"

	"github.com/aihat/aihat/pkg/metrics"
)

// checkMetrics is the usage check of --metrics-addr and --metrics-textfile,
// before anything runs.
func (o *LoadtestOptions) checkMetrics() error {
	if a := o.MetricsAddr; a != "" {
		_, port, err := net.SplitHostPort(a)
		if p, perr := strconv.Atoi(port); err != nil || perr != nil || p < 0 || p > 65535 {
			return usageErrorf("--metrics-addr %q: want HOST:PORT, e.g. 127.0.0.1:9101 (port 0 picks a free one)", a)
		}
	}
	if p := o.MetricsTextfile; p != "" {
		if err := metrics.CheckTextfilePath(p); err != nil {
			return usageErrorf("--metrics-textfile: %v", err)
		}
	}
	return nil
}
