package cli

import (
	"bufio"
	"net/http"

	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/loadtest"
	"github.com/aihat/aihat/pkg/report"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// killsEnv sets how many kills TestLoadtestSurvivesSIGKILLAtRandomPoints
// makes: make test keeps the default (a kill in each fifth of the run, about
// 20 s under -race), make killtest-loadtest (run by .ci/run) makes 20.
const killsEnv = "AIHAT_LOADTEST_KILLS"

// kills is the number of kills killsEnv asks for (default 5).
func kills(t *testing.T) int {
	t.Helper()
	s := os.Getenv(killsEnv)
	if s == "" {
		return 5
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		t.Fatalf("%s=%q: want a count from 1 to 1000", killsEnv, s)
	}
	return n
}

// Issue 16's test: a sim load test killed with SIGKILL at random points
// (start-up, sampling, verdicts, writing the reports) and taken up
// again as aihat-loadtest-run does (--resume when the directory has a
// journal, else a fresh start). Every run ends with a schema-valid record
// under its first run id, and the kill lost at most the sweep in
// progress: the journal holds every sweep the process had reported done
// on its live metrics (aihat_sweeps_total, scraped just before the kill:
// a witness apart from the journal), on the first run's grid without a
// hole.
func TestLoadtestSurvivesSIGKILLAtRandomPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("processes killed and resumed")
	}
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(repoPath("docs", "run.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("kill points from seed %d", seed)
	const interval = 10 * time.Second
	n := kills(t)
	for i := 0; i < n; i++ {
		dir := filepath.Join(t.TempDir(), "run")
		serial := fmt.Sprintf("SN-K%d", i)
		// 3 h of virtual time at 5400× is 2 s of sleeping. Kill i lands
		// at random in the i-th n-th part of 3 s: start-up, sampling, the
		// verdicts and report writing, and after the end.
		args := []string{"loadtest", "--target", "sim", "--seed", fmt.Sprint(i), "--serial", serial,
			"--duration", "3h", "--interval", interval.String(), "--warmup", "30m", "--time-scale", "5400",
			"--report-dir", dir, "--report-dir-flat", "-o", "json"}
		cmd := exec.Command(os.Args[0], append(args, "--metrics-addr", "127.0.0.1:0")...)
		cmd.Env = append(os.Environ(), asMainEnv+"=1")
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		urls := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if u, ok := strings.CutPrefix(sc.Text(), "metrics on "); ok {
					urls <- u
				}
			}
		}()
		slot := 3 * time.Second / time.Duration(n)
		delay := time.Duration(i)*slot + time.Duration(rng.Int63n(int64(slot)))
		time.Sleep(delay)
		reported := -1.0 // sweeps the process said it had done (-1: no scrape)
		select {
		case u := <-urls:
			reported = sweepsReported(u)
		default:
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		path := filepath.Join(dir, journal.FileName)
		var before *loadtest.Journal
		var code int
		var out, errOut string
		if _, err := os.Stat(path); err != nil {
			// Killed before the journal existed: the unit starts afresh.
			code, out, errOut = runCLI(t, args...)
		} else {
			if before, err = loadtest.ReadJournal(path); err != nil && before.Head != nil {
				t.Fatalf("kill %d at %s: %v", i, delay, err)
			}
			code, out, errOut = runCLI(t, "loadtest", "--resume", dir, "-o", "json")
		}
		what := "fresh start"
		if before != nil {
			what = fmt.Sprintf("%d sweeps journalled, %v reported on /metrics just before the kill", before.Sweeps, reported)
			if float64(before.Sweeps) < reported {
				t.Errorf("kill %d at %s: the journal holds %d sweeps, the process had reported %v done", i, delay, before.Sweeps, reported)
			}
		}
		t.Logf("kill %d at %s (%s): exit %d", i, delay.Round(time.Millisecond), what, code)
		// A healthy sim board that stayed up (aihat was killed, the same
		// boot_id): the resumed run passes, its gap an outage, no reboot.
		if code != 0 {
			t.Fatalf("kill %d at %s: exit %d\n%s%s", i, delay, code, out, errOut)
		}
		if before != nil && before.Ended == nil && !strings.Contains(errOut, "same boot_id") {
			t.Errorf("kill %d: the outage's cause is not a kill with the board up: %s", i, errOut)
		}
		recorded := out
		if out == "" {
			// Nothing to resume: the run had finished and written its set.
			b, err := os.ReadFile(filepath.Join(dir, report.RunJSONFile))
			if err != nil || !strings.Contains(errOut, "nothing to resume") {
				t.Fatalf("kill %d: no record printed and %v: %s", i, err, errOut)
			}
			recorded = string(b)
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(recorded))
		if err != nil {
			t.Fatalf("kill %d: %v\n%s", i, err, recorded)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("kill %d: the record is not valid: %v", i, err)
		}
		var run report.Run
		json.Unmarshal([]byte(recorded), &run)
		if want := serial + "-20260101T080000Z"; run.ID != want {
			t.Errorf("kill %d: run id %q, want %q", i, run.ID, want)
		}
		if onDisk, err := report.ReadJSONFile(filepath.Join(dir, report.RunJSONFile)); err != nil || onDisk.ID != run.ID {
			t.Errorf("kill %d: run.json %v (%v)", i, onDisk, err)
		}
		checkGrid(t, i, path, interval)
	}
}

// checkGrid: the journal's sweeps before each resume lie on the run's
// grid (start + k·interval) with no hole; after the resume they go on on
// the same grid.
func checkGrid(t *testing.T, kill int, path string, interval time.Duration) {
	t.Helper()
	var start, last time.Time
	gap := false
	journal.ScanFile(path, func(rec journal.Record) error {
		switch rec.Kind {
		case loadtest.KindParams:
			var p loadtest.Params
			json.Unmarshal(rec.Data, &p)
			if start.IsZero() {
				start, last = p.Start, p.Start.Add(-interval)
			}
		case journal.KindResume:
			gap = true
		case journal.KindSweep:
			var sw struct{ T time.Time }
			json.Unmarshal(rec.Data, &sw)
			off := sw.T.Sub(start)
			switch {
			case off%interval != 0:
				t.Errorf("kill %d: sweep at %s is off the run's %s grid", kill, sw.T, interval)
			case !gap && sw.T.Sub(last) != interval:
				t.Errorf("kill %d: a hole in the journal before the kill: sweep at %s after %s", kill, sw.T, last)
			case gap && !sw.T.After(last):
				t.Errorf("kill %d: sweep at %s not after %s", kill, sw.T, last)
			}
			last, gap = sw.T, false
		}
		return nil
	})
}

// sweepsReported scrapes aihat_sweeps_total; -1 when the process does not
// answer (not listening yet, or its run already over).
func sweepsReported(url string) float64 {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if mf := fams["aihat_sweeps_total"]; err == nil && mf != nil && len(mf.GetMetric()) == 1 {
		return mf.GetMetric()[0].GetCounter().GetValue()
	}
	return -1
}
