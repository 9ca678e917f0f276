package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A bringup killed with SIGKILL half way leaves a journal that `report
// render` turns into a record: ABORTED, with every step that finished.
func TestKilledRunIsRenderedFromItsJournal(t *testing.T) {
	bin := buildAihat(t)
	dir := filepath.Join(t.TempDir(), "reports")
	// Paced sim (power.rails samples at 20 ms of real time) so the kill
	// lands mid-run.
	cmd := exec.Command(bin, "bringup", "--target", "sim", "--time-scale", "1", "--serial", "SN-KILL", "--report-dir", dir)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Station layout: the run's directory is dir/SN-KILL/<run-id>/, and
	// dir/latest points at it from the run's start.
	runDir := filepath.Join(dir, "latest")
	journal := filepath.Join(runDir, "journal.jsonl")
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(journal)
		if strings.Count(string(b), `"k":"step"`) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no three finished steps in the journal after 60 s:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	var out, errOut bytes.Buffer
	render := exec.Command(bin, "report", "render", runDir, "-o", "json")
	render.Stdout, render.Stderr = &out, &errOut
	if err := render.Run(); err != nil {
		t.Fatalf("render: %v\n%s", err, errOut.String())
	}
	var run struct {
		ID      string
		Outcome string
		Steps   []struct{ Name, Outcome string }
	}
	if err := json.Unmarshal(out.Bytes(), &run); err != nil {
		t.Fatal(err)
	}
	if run.Outcome != "ABORTED" || len(run.Steps) < 3 || !strings.HasPrefix(run.ID, "SN-KILL-") {
		t.Fatalf("rendered %+v, want ABORTED with at least the 3 finished steps", run)
	}
	for _, s := range run.Steps[:3] {
		if s.Outcome == "ABORTED" || s.Outcome == "NOT_RUN" {
			t.Errorf("finished step %s rendered as %s", s.Name, s.Outcome)
		}
	}
	if _, err := os.Stat(filepath.Join(runDir, "report.html")); err != nil {
		t.Fatalf("render wrote no report.html: %v", err)
	}
	if got, _ := os.Readlink(runDir); !strings.HasPrefix(got, "SN-KILL/SN-KILL-") {
		t.Errorf("latest -> %q, want SN-KILL/<run-id>", got)
	}
	if _, err := os.Stat(filepath.Join(runDir, "run.json")); err != nil {
		t.Fatalf("render wrote no run.json: %v", err)
	}
}
