package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/loadtest"
	"github.com/aihat/aihat/pkg/report"
)

func newSim(t *testing.T, o Options) (*Session, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errOut bytes.Buffer
	o.Target, o.Seed = "sim", 1
	if o.Output == "" {
		o.Output = "json"
	}
	s := New(o, IO{Out: &out, ErrOut: &errOut})
	t.Cleanup(s.Close)
	return s, &out, &errOut
}

// A station run claims DIR/<serial>/<run-id>/ before it starts, points
// DIR/latest at it, journals its steps and publishes the report set there.
func TestRunKeepsItsRecordInTheStationLayout(t *testing.T) {
	dir := t.TempDir()
	s, out, errOut := newSim(t, Options{ReportDir: dir, Serial: "SN1"})
	if err := s.RunStage(context.Background(), "board.identify", nil); err != nil {
		t.Fatalf("RunStage: %v (%s)", err, errOut)
	}
	var r report.Run
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || len(r.Steps) != 1 || r.Steps[0].Name != "board.identify" {
		t.Fatalf("stdout is not the one-step record: %v\n%s", err, out)
	}
	latest, err := filepath.EvalSymlinks(filepath.Join(dir, report.LatestLink))
	if err != nil || filepath.Dir(latest) != filepath.Join(dir, "SN1") || filepath.Base(latest) != r.ID {
		t.Fatalf("latest -> %q (%v), want %s", latest, err, filepath.Join(dir, "SN1", r.ID))
	}
	for _, name := range append([]string{journal.FileName}, report.ReportFiles...) {
		if _, err := os.Stat(filepath.Join(latest, name)); err != nil {
			t.Errorf("the run directory lacks %s: %v", name, err)
		}
	}
}

// A run that does not pass carries its exit code; the record was still
// written.
func TestRunThatFailsCarriesItsExitCode(t *testing.T) {
	s, out, _ := newSim(t, Options{Faults: []string{"eeprom-bad-crc"}})
	err := s.RunStage(context.Background(), "eeprom.verify", nil)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != report.ExitFail || out.Len() == 0 {
		t.Fatalf("err = %v, stdout %d B; want exit %d and the record", err, out.Len(), report.ExitFail)
	}
}

// --target auto simulates on a workstation (with a notice), refuses an Arm
// host that is not a Pi 5, and never replays a tree.
func TestTargetAuto(t *testing.T) {
	var errOut bytes.Buffer
	s := New(Options{Target: "auto", Host: Host{Arch: "amd64", FS: fstest.MapFS{}}}, IO{Out: &bytes.Buffer{}, ErrOut: &errOut})
	defer s.Close()
	if b, err := s.Board(); err != nil || b.Name() != report.TargetSim || !strings.Contains(errOut.String(), "notice: --target auto chose sim") {
		t.Fatalf("workstation: board %v, err %v, stderr %q", b, err, errOut.String())
	}
	arm := New(Options{Target: "auto", Host: Host{Arch: "arm64", FS: fstest.MapFS{}}}, IO{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	var ee *ExitError
	if _, err := arm.Board(); !errors.As(err, &ee) || ee.Code != report.ExitError {
		t.Fatalf("arm64 host that is not a Pi 5: err %v, want an ERROR", err)
	}
	tree := New(Options{Target: "auto", Root: "testdata/x"}, IO{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	var ue *UsageError
	if _, err := tree.Board(); !errors.As(err, &ue) {
		t.Fatalf("auto with --root: err %v, want a usage error", err)
	}
}

// The journal's monotonic clock on a board without CLOCK_MONOTONIC of its
// own is the board clock's time since the session started.
func TestMonotonicFollowsTheSimulatedClock(t *testing.T) {
	s, _, _ := newSim(t, Options{})
	b, err := s.Board()
	if err != nil {
		t.Fatal(err)
	}
	mono := monotonic(b)
	b.Clock().Sleep(context.Background(), 90*time.Second)
	if got := mono(); got != 90*time.Second {
		t.Fatalf("monotonic after a 90 s virtual sleep = %s", got)
	}
}

// A finished load test's status says so; resuming it has nothing to do.
func TestLoadtestStatusAndResumeOfAFinishedRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	flags := func(b loadtest.RunOptions) loadtest.RunOptions {
		b.Duration, b.Interval, b.Warmup = 2*time.Hour, 30*time.Second, 30*time.Minute
		return b
	}
	s, _, errOut := newSim(t, Options{ReportDir: dir, ReportDirFlat: true})
	if err := s.RunLoadtest(context.Background(), Loadtest{Flags: flags}); err != nil {
		t.Fatalf("RunLoadtest: %v\n%s", err, errOut)
	}
	var status bytes.Buffer
	if err := LoadtestStatus(&status, dir); err != nil || !strings.Contains(status.String(), "state:      finished PASS") {
		t.Fatalf("status: %v\n%s", err, status.String())
	}
	again, out, errOut := newSim(t, Options{})
	if err := again.RunLoadtest(context.Background(), Loadtest{Flags: flags, Resume: dir}); err != nil || out.Len() != 0 || !strings.Contains(errOut.String(), "nothing to resume") {
		t.Fatalf("resume of a finished run: %v, stdout %q, stderr %q", err, out, errOut)
	}
	var ue *UsageError
	if err := LoadtestStatus(&status, filepath.Dir(dir)); !errors.As(err, &ue) {
		t.Fatalf("status of a directory without a journal: %v, want a usage error", err)
	}
}
