package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `bench --model/--inputs/--expect` naming a FIFO or a device (directly, or
// as a file in the data directory) is refused at once, exit 2, with a line
// naming the path: before, /dev/zero grew to gigabytes and a FIFO hung the
// process past SIGTERM. Each case has a safety timeout: a hang fails the
// test instead of stalling the suite.
func TestBenchRefusesFIFOsAndDevicesAtOnce(t *testing.T) {
	src := repoPath("testdata", "onnx-backend", "test_gather_0")
	model := filepath.Join(src, "model.onnx")
	set := filepath.Join(src, "test_data_set_0")
	tmp := t.TempDir()
	fifo := filepath.Join(tmp, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// A data directory whose input_0.pb is a FIFO, and one whose is /dev/zero.
	fifoSet, zeroSet := filepath.Join(tmp, "fifoset"), filepath.Join(tmp, "zeroset")
	for _, d := range []string{fifoSet, zeroSet} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"input_1.pb", "output_0.pb"} {
			if err := os.Symlink(filepath.Join(set, f), filepath.Join(d, f)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := syscall.Mkfifo(filepath.Join(fifoSet, "input_0.pb"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(zeroSet, "input_0.pb")); err != nil {
		t.Fatal(err)
	}
	// --expect's output_0.pb as a FIFO or /dev/zero, the inputs real.
	fifoOut, zeroOut := filepath.Join(tmp, "fifoout"), filepath.Join(tmp, "zeroout")
	for _, d := range []string{fifoOut, zeroOut} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(fifoOut, "output_0.pb"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(zeroOut, "output_0.pb")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want string
		args       []string
	}{
		{"model FIFO", fifo, []string{"--model", fifo}},
		{"model /dev/zero", "/dev/zero", []string{"--model", "/dev/zero"}},
		{"inputs FIFO", fifo, []string{"--model", model, "--inputs", fifo}},
		{"inputs /dev/zero", "/dev/zero", []string{"--model", model, "--inputs", "/dev/zero"}},
		{"input file FIFO", filepath.Join(fifoSet, "input_0.pb"), []string{"--model", model, "--inputs", fifoSet}},
		{"input file /dev/zero", filepath.Join(zeroSet, "input_0.pb"), []string{"--model", model, "--inputs", zeroSet}},
		{"expect FIFO", fifo, []string{"--model", model, "--inputs", set, "--expect", fifo}},
		{"expect /dev/zero", "/dev/zero", []string{"--model", model, "--inputs", set, "--expect", "/dev/zero"}},
		{"expect file FIFO", filepath.Join(fifoOut, "output_0.pb"), []string{"--model", model, "--inputs", set, "--expect", fifoOut}},
		{"expect file /dev/zero", filepath.Join(zeroOut, "output_0.pb"), []string{"--model", model, "--inputs", set, "--expect", zeroOut}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				code     int
				out, err string
			}
			done := make(chan result, 1)
			start := time.Now()
			go func() {
				args := append([]string{"bench", "--target", "sim", "--iterations", "1", "--threads", "1"}, tc.args...)
				code, out, errOut := runCLI(t, args...)
				done <- result{code, out, errOut}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("bench %v blocked", tc.args)
			}
			if r.code != 2 || !strings.Contains(r.out+r.err, tc.want) || !strings.Contains(r.out+r.err, "not a regular file") && !strings.Contains(r.out+r.err, "not a directory") {
				t.Fatalf("exit %d, want 2 and a line naming %s as not a regular file\nstdout:\n%s\nstderr:\n%s", r.code, tc.want, r.out, r.err)
			}
			t.Logf("exit %d: %s", r.code, strings.TrimSpace(r.err))
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("refusing took %v: it must be at once", d)
			}
		})
	}
}
