package sim

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/telemetry"
)

// advance moves the board's virtual clock forward by d.
func advance(t *testing.T, b *Board, d time.Duration) {
	t.Helper()
	if err := b.Clock().Sleep(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// TestServerProcFilesParseAsTelemetryProcess: the inference server's
// /proc files are in the kernel's formats and pkg/telemetry's Process
// source (what runs on a real Pi) reads them.
func TestServerProcFilesParseAsTelemetryProcess(t *testing.T) {
	b := newBoard(t)
	dir := fmt.Sprintf("proc/%d/", ServerPID)
	if got := read(t, b, dir+"comm"); got != "hailo-ollama\n" {
		t.Errorf("comm = %q", got)
	}
	if got := read(t, b, dir+"cmdline"); !strings.HasSuffix(got, "\x00") || strings.Contains(got, " ") {
		t.Errorf("cmdline = %q: want NUL-separated arguments", got)
	}
	status := read(t, b, dir+"status")
	for _, re := range []string{`(?m)^Name:\thailo-ollama$`, `(?m)^Pid:\t812$`, `(?m)^VmRSS:\t +\d+ kB$`, `(?m)^Threads:\t\d+$`} {
		if !regexp.MustCompile(re).MatchString(status) {
			t.Errorf("status does not match %s:\n%s", re, status)
		}
	}
	if err := fstest.TestFS(b.FS(), dir+"status", dir+"fd/3"); err != nil {
		t.Fatal(err)
	}
	p := &telemetry.Process{FS: b.FS(), PID: ServerPID, Label: "server"}
	rs, _, err := p.Sample(context.Background(), b.Clock().Now())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, r := range rs {
		got[r.Series] = r.Value
	}
	// serverBaseRSS ± the 128 kB of allocator noise the model adds.
	if rss := got["server.rss"]; rss < (serverBaseRSS-132)*1024 || rss > (serverBaseRSS+132)*1024 {
		t.Errorf("server.rss = %.0f B, want %d kB ± 128 kB", rss, serverBaseRSS)
	}
	if got["server.fds"] != float64(len(serverFDs)) || got["server.threads"] != 14 {
		t.Errorf("fds %v threads %v, want %d and 14", got["server.fds"], got["server.threads"], len(serverFDs))
	}
}

func rssKB(t *testing.T, b *Board) int64 {
	t.Helper()
	var kb int64
	for _, line := range strings.Split(read(t, b, fmt.Sprintf("proc/%d/status", ServerPID)), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			if _, err := fmtSscanf(strings.TrimSpace(line[6:]), "%d kB", &kb); err != nil {
				t.Fatal(err)
			}
		}
	}
	return kb
}

// TestNpuMemLeakGrowsServerRSS: with npu-mem-leak the server's VmRSS
// grows 24 MiB an hour; healthy, it stays within its noise.
func TestNpuMemLeakGrowsServerRSS(t *testing.T) {
	for _, tc := range []struct {
		fault      string
		wantGrowth int64 // kB over 10 h
	}{{"", 0}, {"npu-mem-leak", 10 * 24 * 1024}} {
		var faults []string
		if tc.fault != "" {
			faults = append(faults, tc.fault)
		}
		b := newBoard(t, faults...)
		r0 := rssKB(t, b)
		advance(t, b, 10*time.Hour)
		// 2 × the ±128 kB noise, plus the 4 kB page rounding.
		if d := rssKB(t, b) - r0 - tc.wantGrowth; d < -260 || d > 260 {
			t.Errorf("%q: VmRSS grew %d kB in 10 h, want %d ± 260", tc.fault, rssKB(t, b)-r0, tc.wantGrowth)
		}
	}
}

func nodeExists(b *Board) bool {
	_, err := fs.Stat(b.FS(), "dev/hailo0")
	return err == nil
}

func devListed(t *testing.T, b *Board, name string) bool {
	ents, err := fs.ReadDir(b.FS(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == name {
			return true
		}
	}
	return false
}

// TestDriverResetTakesTheNodeAwayForAWhile: /dev/hailo0 is there until
// the reset, gone (from stat and from the dev listing) for its length,
// then back; the NPU draws only idle power meanwhile.
func TestDriverResetTakesTheNodeAwayForAWhile(t *testing.T) {
	b := newBoard(t, "driver-reset")
	lt := b.State().Loadtest
	if lt.NodeGoneAt != DefaultNodeGoneAt || lt.NodeGoneFor != DefaultNodeGoneFor {
		t.Fatalf("catalogue reset at %s for %s", lt.NodeGoneAt, lt.NodeGoneFor)
	}
	b.SetLoad(board.Load{CPU: 1, NPU: 1})
	advance(t, b, DefaultNodeGoneAt-time.Second)
	if !nodeExists(b) || !devListed(t, b, "hailo0") {
		t.Fatal("node gone before the reset")
	}
	busy := b.Snapshot().HATAmps
	advance(t, b, 2*time.Second)
	if nodeExists(b) || devListed(t, b, "hailo0") {
		t.Fatal("node still there during the reset")
	}
	if !devListed(t, b, "i2c-1") {
		t.Fatal("other nodes went too")
	}
	if idle := b.Snapshot().HATAmps; !(idle < busy*0.5) {
		t.Errorf("HAT current %.3f A during the reset, %.3f A before: want the NPU idle", idle, busy)
	}
	advance(t, b, DefaultNodeGoneFor)
	if !nodeExists(b) {
		t.Fatal("node not back after the reset")
	}
	if healthy := newBoard(t); !nodeExists(healthy) {
		t.Fatal("healthy board has no node")
	}
}

// TestLateUndervoltageBrownsOutAfterItsOnset: no under-voltage before the
// onset; after it, short episodes set get_throttled bit 0 and the alarm,
// each lasting its length and spaced about its period apart.
func TestLateUndervoltageBrownsOutAfterItsOnset(t *testing.T) {
	b := newBoard(t, "late-undervoltage")
	b.SetLoad(board.Load{CPU: 1, NPU: 1})
	const step = 250 * time.Millisecond
	var starts []time.Duration
	var onFor time.Duration
	was := false
	for d := time.Duration(0); d < DefaultBrownoutOnset+2*time.Hour; d += step {
		advance(t, b, step)
		if d < DefaultBrownoutOnset-time.Minute {
			if d%time.Minute == 0 && b.Snapshot().Throttled&0x10001 != 0 {
				t.Fatalf("under-voltage at %s, before the onset", d)
			}
			continue
		}
		uv := b.Snapshot().Throttled&1 != 0
		if uv {
			onFor += step
			if !was {
				starts = append(starts, d)
			}
		}
		was = uv
	}
	// 2 h at one episode per 20 min ± a quarter period of jitter.
	if len(starts) < 5 || len(starts) > 7 {
		t.Fatalf("%d episodes in 2 h (%v), want 6 ± 1", len(starts), starts)
	}
	// Each is 4 s long, seen at 250 ms steps (the noise on EXT5V is
	// 4 mV, far less than the 0.6 V sag: the edges are clean).
	if per := onFor / time.Duration(len(starts)); per < DefaultBrownoutFor-time.Second || per > DefaultBrownoutFor+time.Second {
		t.Errorf("episodes last %s on average, want %s", per, DefaultBrownoutFor)
	}
	if got := strings.TrimSpace(read(t, b, "sys/class/hwmon/hwmon2/in0_lcrit_alarm")); got != "1" {
		t.Errorf("rpi_volt alarm %s after brown-outs", got)
	}
}

// TestServerStatusLaidOutAsThisKernels: every line of the sim's
// /proc/<pid>/status is laid out as the running kernel's own
// /proc/self/status lays the same key (fs/proc/array.c and task_mmu.c:
// "Key:\t", sizes right-aligned to 8 columns then " kB"), and the keys
// come in its order.
func TestServerStatusLaidOutAsThisKernels(t *testing.T) {
	real, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc on this machine")
	}
	kb := regexp.MustCompile(`^[A-Za-z_]+:\t[ \d]{8} kB$`)
	digits := regexp.MustCompile(`\d+`)
	pos, lines := map[string]int{}, map[string]string{}
	for i, line := range strings.Split(strings.TrimRight(string(real), "\n"), "\n") {
		k, _, _ := strings.Cut(line, ":")
		pos[k], lines[k] = i, line
	}
	b := newBoard(t)
	last := -1
	for _, line := range strings.Split(strings.TrimRight(read(t, b, fmt.Sprintf("proc/%d/status", ServerPID)), "\n"), "\n") {
		k, _, _ := strings.Cut(line, ":")
		p, ok := pos[k]
		if !ok {
			t.Errorf("%q: this kernel's status has no %s line", line, k)
			continue
		}
		if p < last {
			t.Errorf("%s out of the kernel's order", k)
		}
		last = p
		switch {
		case strings.HasSuffix(line, " kB"):
			if !kb.MatchString(line) || !kb.MatchString(lines[k]) {
				t.Errorf("%q against the kernel's %q: want Key:\\t, 8 columns, kB", line, lines[k])
			}
		case k == "Name" || k == "State" || k == "Groups":
			// Values of their own: the process's name, state and groups.
		case digits.ReplaceAllString(line, "N") != digits.ReplaceAllString(lines[k], "N"):
			t.Errorf("%q is not laid out as the kernel's %q", line, lines[k])
		}
	}
}
