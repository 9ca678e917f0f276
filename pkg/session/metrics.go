package session

import (
	"fmt"

	"github.com/aihat/aihat/pkg/loadtest"
	"github.com/aihat/aihat/pkg/metrics"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// startMetrics starts what --metrics-addr and --metrics-textfile ask for and
// makes the exporter the run's Live hook. The server listens before the run
// starts, so a port in use is an ERROR then, not hours later. stop ends
// both (the server's scrapes in flight, the textfile's last write); it runs
// when the command returns, on Ctrl-C too.
func (o Loadtest) startMetrics(s *Session, env *stage.Env, run *loadtest.RunOptions) (stop func(), err error) {
	stop = func() {}
	if o.MetricsAddr == "" && o.MetricsTextfile == "" {
		return stop, nil
	}
	e := metrics.New(metrics.Options{FS: env.Board.FS(), Target: env.Board.Name(), Runtime: run.Runtime,
		Model: run.Model, Planned: run.Duration, Start: run.Started()})
	var srv *metrics.Server
	if o.MetricsAddr != "" {
		if srv, err = metrics.Serve(o.MetricsAddr, e.Gatherer()); err != nil {
			return stop, &ExitError{Code: report.ExitError, Err: fmt.Errorf("--metrics-addr %s: %v: stop what listens there or choose another port (127.0.0.1:0 picks a free one)", o.MetricsAddr, err)}
		}
		fmt.Fprintf(s.io.ErrOut, "metrics on %s\n", srv.URL())
	}
	var tf *metrics.Textfile
	if o.MetricsTextfile != "" {
		if tf, err = metrics.StartTextfile(o.MetricsTextfile, e.Gatherer(), e.Changed); err != nil {
			if srv != nil {
				srv.Close()
			}
			return stop, &ExitError{Code: report.ExitError, Err: fmt.Errorf("--metrics-textfile: %v: the directory must exist and be writable (node_exporter's --collector.textfile.directory)", err)}
		}
	}
	run.Live = e
	return func() {
		if srv != nil {
			if err := srv.Close(); err != nil {
				fmt.Fprintf(s.io.ErrOut, "warning: metrics server on %s: %v\n", srv.Addr(), err)
			}
		}
		if tf != nil {
			if err := tf.Close(); err != nil {
				fmt.Fprintf(s.io.ErrOut, "warning: %v\n", err)
			}
		}
	}, nil
}
