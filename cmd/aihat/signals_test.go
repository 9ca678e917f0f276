package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// buildAihat builds the real binary: signals are a property of the
// process, so they are tested on one.
func buildAihat(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "aihat")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A station's supervisor sends SIGTERM, a closed terminal SIGHUP, an
// operator Ctrl-C: each stops a 30 s-interval sampling run at once with
// exit 3 and a record of what was measured.
func TestSignalsStopARunAtOnceAndKeepTheRecord(t *testing.T) {
	bin := buildAihat(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			var out, errOut bytes.Buffer
			dir := t.TempDir()
			cmd := exec.Command(bin, "power", "rails", "--target", "sim", "--time-scale", "1", "--samples", "10", "--interval", "30s", "-o", "json", "--report-dir", dir)
			cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The signal goes once the first sample is in the journal (a
			// fixed delay could beat it, or the handler, on a loaded
			// machine); the deadline only catches a hang.
			journal := filepath.Join(dir, "latest", "journal.jsonl")
			for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if b, _ := os.ReadFile(journal); bytes.Contains(b, []byte(`"k":"sweep"`)) {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("no sample in the journal after 60 s; stderr %s", errOut.String())
				}
			}
			sent := time.Now()
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			// Generous for a loaded CI machine; the defect took 28 s.
			if d := time.Since(sent); d > 10*time.Second {
				t.Fatalf("stopped %v after the signal", d)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("exit %v, want 3 (ABORTED); stderr %s", err, errOut.String())
			}
			var run struct {
				Outcome string
				Steps   []struct {
					Name         string
					Measurements []struct{ Name string }
				}
			}
			if err := json.Unmarshal(out.Bytes(), &run); err != nil {
				t.Fatalf("record: %v\n%s", err, out.String())
			}
			if run.Outcome != "ABORTED" || len(run.Steps) != 1 || len(run.Steps[0].Measurements) < 5 {
				t.Fatalf("record %+v, want ABORTED with the first sample's statistics", run)
			}
		})
	}
}
