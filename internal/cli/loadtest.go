package cli

import (
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/loadtest"
	"github.com/aihat/aihat/pkg/session"
	"github.com/spf13/cobra"
)

// LoadtestOptions are `aihat loadtest`'s flags; zero values keep the
// plan's loadtest section.
type LoadtestOptions struct {
	Duration, Interval, HealthEvery, Warmup, Window time.Duration
	Runtime, Endpoint, Model, HEF                   string
	ServerPID                                       int
	MetricsAddr, MetricsTextfile                    string
	// Resume is the directory of a killed run to take up again.
	Resume string
}

// apply lays the flags given over the plan's options.
func (o *LoadtestOptions) apply(base loadtest.RunOptions) loadtest.RunOptions {
	for _, f := range []struct {
		v   time.Duration
		dst *time.Duration
	}{{o.Duration, &base.Duration}, {o.Interval, &base.Interval}, {o.HealthEvery, &base.HealthEvery},
		{o.Warmup, &base.Warmup}, {o.Window, &base.Window}} {
		if f.v > 0 {
			*f.dst = f.v
		}
	}
	if o.Runtime != "" {
		base.Runtime = o.Runtime
	}
	if o.Endpoint != "" {
		base.Endpoint = o.Endpoint
	}
	if o.Model != "" {
		base.Model = o.Model
	}
	if o.HEF != "" {
		base.HEF = o.HEF
	}
	if o.ServerPID > 0 {
		base.PID = o.ServerPID
	}
	return base
}

// newCmdLoadtest builds `aihat loadtest`. runF, when not nil, receives the
// options instead of running (flags → options tests).
func newCmdLoadtest(f *Factory, runF func(*LoadtestOptions) error) *cobra.Command {
	o := &LoadtestOptions{}
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Hours of inference with health checks and leak and drift verdicts (step loadtest.run)",
		Long: `Run a workload for --duration (the plan's default 24h) on the telemetry sampler: SoC
temperature, ARM clock, throttle flags, PMIC rails, fan, MemAvailable and Slab every
--interval, and the watched process's RSS and open fds (--server-pid; by default a
hailo-ollama, ollama or hailortcli found in the board's /proc, else aihat's own). Every --health-every a health check looks at the live
under-voltage flag, the rpi_volt alarm and /dev/hailo0; a failure is an event with its
time and the run goes on. After --warmup, each watched series' slope per hour (Theil–Sen
over --window medians, with a 95 % interval in the log) and, for --runtime ollama, the p99
latency and error rate per window are judged by the plan's loadtest.run limits.

--runtime model is the board's own load model (the sim); --runtime onnxruntime runs
inferences in process (the plan's bench model, or --model FILE.onnx); --runtime hailortcli
runs 'hailortcli benchmark --hef' back to back, a failed run counted and retried;
--runtime ollama sends
streaming /api/generate requests to --endpoint (hailo-ollama: http://127.0.0.1:8000) for
--model, each request's latency, tokens and outcome going to the journal with
--report-dir. On the sim the clock is virtual: a day takes seconds.

With --report-dir every sweep, request and health check is in the run's journal as it
happens. A run killed (SIGKILL, the OOM killer, a crash) or cut by a power loss is taken
up with --resume DIR: the same run id, parameters and planned end, its state rebuilt
from the journal, the gap recorded as an outage with its cause (a changed boot_id is a
reboot). At most the sweep in progress is lost to a kill, at most a second of records to
a power cut. 'aihat loadtest status DIR' says where a run stands.


--metrics-addr serves live Prometheus metrics on /metrics while the run goes:
node_exporter's names where the quantity is the same (node_thermal_zone_temp,
node_hwmon_fan_rpm, node_memory_MemAvailable_bytes, ...), aihat_* for the rest
(throttle flags, PMIC rails, requests, latency histogram, health checks), and
aihat's own process_* metrics. --metrics-textfile keeps the aihat_* ones in a
file for node_exporter's textfile collector.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return f.Session().RunLoadtest(cmd.Context(), session.Loadtest{Flags: o.apply, Resume: o.Resume,
				MetricsAddr: o.MetricsAddr, MetricsTextfile: o.MetricsTextfile})
		},
	}
	o.addFlags(cmd)
	cmd.AddCommand(newCmdLoadtestStatus(f))
	return cmd
}

// check refuses flag values no run can take, before the board is opened.
func (o *LoadtestOptions) check() error {
	switch o.Runtime {
	case "", "model", "onnxruntime":
	case "hailortcli":
		if o.HEF == "" {
			return usageErrorf("--runtime hailortcli needs --hef PATH (a model compiled for the Hailo-10H)")
		}
	case "ollama":
		if o.Endpoint == "" || o.Model == "" {
			return usageErrorf("--runtime ollama needs --endpoint URL (hailo-ollama: http://127.0.0.1:8000) and --model NAME")
		}
	default:
		return usageErrorf("--runtime %q: choose %s", o.Runtime, strings.Join(loadtest.Runtimes, ", "))
	}
	return o.checkMetrics()
}

// addFlags binds the load test's flags to o.
func (o *LoadtestOptions) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.DurationVar(&o.Duration, "duration", 0, "length of the run, e.g. 24h (default: the plan's loadtest.duration)")
	fl.DurationVar(&o.Interval, "interval", 0, "time between samples, e.g. 1s (default: the plan's loadtest.interval)")
	fl.DurationVar(&o.HealthEvery, "health-every", 0, "time between health checks, e.g. 10m (default: the plan's loadtest.health_every)")
	fl.DurationVar(&o.Warmup, "warmup", 0, "start of the run left out of the slopes, e.g. 1h (default: the plan's loadtest.warmup)")
	fl.DurationVar(&o.Window, "window", 0, "width of the windows the slopes are fitted to, e.g. 10m (default: the plan's loadtest.window)")
	fl.StringVar(&o.Runtime, "runtime", "", "model (the sim's load model), onnxruntime (in process), hailortcli (--hef on the NPU) or ollama (an Ollama-compatible server)")
	fl.StringVar(&o.Endpoint, "endpoint", "", "server of --runtime ollama, e.g. http://127.0.0.1:8000")
	fl.StringVar(&o.Model, "model", "", "model name of --runtime ollama; ONNX file of --runtime onnxruntime (default: the plan's bench model)")
	fl.StringVar(&o.HEF, "hef", "", "compiled model (.hef) --runtime hailortcli runs, in hailortcli benchmark runs of 30 s")
	fl.StringVar(&o.Resume, "resume", "", "take up the killed or crashed run whose journal is in `DIR` (its --report-dir), with its own parameters and run id")
	fl.IntVar(&o.ServerPID, "server-pid", 0, "process whose RSS and open fds are watched (default: a hailo-ollama, ollama or hailortcli found in /proc, else aihat's own)")
	fl.StringVar(&o.MetricsAddr, "metrics-addr", "", "serve live Prometheus metrics on HOST:PORT/metrics while the run goes, e.g. 127.0.0.1:9101 (port 0 picks a free one, printed on stderr)")
	fl.StringVar(&o.MetricsTextfile, "metrics-textfile", "", "keep the aihat_* metrics in this .prom file for node_exporter's textfile collector (rewritten at most once a second)")
}

// newCmdLoadtestStatus builds `aihat loadtest status DIR`.
func newCmdLoadtestStatus(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "status DIR",
		Short: "Where a running, finished or killed load test stands, from its journal",
		Long: `Read the journal of the load test in DIR (the --report-dir it was started with: the run
itself, or the run DIR/latest points at) and print where it stands: running (an aihat
process holds the journal), finished, or stopped (killed, crashed or the power lost: resume
it with aihat loadtest --resume DIR); how far it got, its health checks, requests and
outages, and its last sweep. It only reads: it never disturbs a running test.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return session.LoadtestStatus(f.IO.Out, args[0])
		},
	}
}
