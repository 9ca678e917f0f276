package journal

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/telemetry"
)

func testClocks() Clocks {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	n := 0
	return Clocks{
		Wall:   func() time.Time { n++; return t0.Add(time.Duration(n) * time.Second) },
		Mono:   func() time.Duration { return time.Duration(n) * time.Second },
		BootID: "4a2f0c1e-0000-4000-8000-000000000001",
	}
}

func writeRun(t *testing.T, path string, finish bool) {
	t.Helper()
	j, err := Create(path, testClocks())
	if err != nil {
		t.Fatal(err)
	}
	run := &report.Run{Schema: report.Schema, ID: "SN1-20261130T120000Z", Target: "sim", Serial: "SN1"}
	j.Append(KindRun, run)
	j.Append(KindBegin, Begin{Name: "power.flags"})
	st := report.NewStep("power.flags", time.Date(2026, 11, 30, 12, 0, 2, 0, time.UTC))
	st.Add(report.Measurement{Name: "under_voltage_now", Value: false, Limits: report.Equal(false)})
	st.Finish(st.Started.Add(time.Second), nil)
	j.Append(KindStep, st)
	j.Append(KindBegin, Begin{Name: "power.rails"})
	t0 := time.Date(2026, 11, 30, 12, 0, 5, 0, time.UTC)
	for i := 0; i < 3; i++ {
		j.Append(KindSweep, telemetry.Sweep{T: t0.Add(time.Duration(i) * time.Second), Values: map[string]float64{"pmic.EXT5V.v": 5.1 - 0.1*float64(i)}})
	}
	if finish {
		j.Append(KindEnd, End{Outcome: report.Pass, Ended: time.Date(2026, 11, 30, 12, 1, 0, 0, time.UTC)})
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestJournalRoundTripAndEveryLineCarriesItsClocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	writeRun(t, path, true)
	recs, st, err := ReadFile(path)
	if err != nil || st.Bad != 0 || st.Torn || len(recs) != 8 {
		t.Fatalf("read %d records, stats %+v, err %v", len(recs), st, err)
	}
	for _, r := range recs {
		if r.Boot == "" || r.Wall.IsZero() || r.Mono == 0 {
			t.Fatalf("record without its clocks: %+v", r)
		}
	}
	run, err := Rebuild(recs)
	if err != nil {
		t.Fatal(err)
	}
	if run.ID != "SN1-20261130T120000Z" || run.Outcome != report.Pass || len(run.Steps) != 1 {
		t.Fatalf("rebuilt %+v", run)
	}
}

// A writer killed mid-run: the last line torn, no end record. The record
// rebuilt from it is ABORTED, keeps the finished step and lists the step in
// progress as aborted.
func TestRebuildOfAKilledRunIsAbortedWithWhatWasMeasured(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	writeRun(t, path, false)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`1234abcd {"k":"sweep","w":"2026-11-30T12:`) // torn
	f.Close()
	recs, st, err := ReadFile(path)
	if err != nil || !st.Torn || st.Bad != 0 {
		t.Fatalf("stats %+v err %v, want the torn line recognised", st, err)
	}
	run, err := Rebuild(recs)
	if err != nil {
		t.Fatal(err)
	}
	if run.Outcome != report.Aborted || len(run.Steps) != 2 {
		t.Fatalf("rebuilt %s with %d steps, want ABORTED with 2", run.Outcome, len(run.Steps))
	}
	if run.Steps[0].Outcome != report.Pass || run.Steps[1].Name != "power.rails" || run.Steps[1].Outcome != report.Aborted ||
		!strings.Contains(run.Steps[1].Error, "cut off") {
		t.Fatalf("steps %+v %+v", run.Steps[0], run.Steps[1])
	}
	// What the cut-off step sampled is kept as its series.
	ser := run.Steps[1].Series
	if len(ser) != 1 || ser[0].Name != "pmic.EXT5V.v" || len(ser[0].Buckets) != 3 || math.Abs(ser[0].Buckets[2].Min-4.9) > 1e-9 {
		t.Fatalf("series of the aborted step: %+v", ser)
	}
}

func TestCorruptLinesAreSkippedAndCounted(t *testing.T) {
	var buf bytes.Buffer
	path := filepath.Join(t.TempDir(), FileName)
	writeRun(t, path, true)
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	// Flip a byte inside the third record's JSON: its CRC no longer holds.
	third := []byte(lines[2])
	third[20] ^= 0x01
	lines[2] = string(third)
	buf.WriteString(strings.Join(lines, ""))
	recs, st, err := Read(&buf)
	if err != nil || st.Bad != 1 || len(recs) != 7 || !strings.Contains(st.LastBad, "CRC") {
		t.Fatalf("records %d stats %+v err %v", len(recs), st, err)
	}
}

// Every record is in the file (the kernel's page cache) when Append
// returns, so a process killed after it loses nothing; fsyncs are batched:
// a burst of appends inside one SyncEvery costs no fsync, so a 1 Hz
// sampler does not wear an SD card.
func TestAppendsReachTheFileAtOnceAndSyncInBatches(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	j, err := Create(path, testClocks())
	if err != nil {
		t.Fatal(err)
	}
	j.SyncEvery = time.Hour
	for i := 0; i < 100; i++ {
		j.Append(KindSweep, map[string]float64{"x": float64(i)})
		// What a reader sees now is what survives a SIGKILL now.
		if recs, st, _ := ReadFile(path); len(recs) != i+1 || st.Torn {
			t.Fatalf("after append %d the file holds %d records (%+v)", i+1, len(recs), st)
		}
	}
	if j.syncs != 0 {
		t.Fatalf("%d fsyncs inside one SyncEvery, want 0", j.syncs)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if j.syncs != 1 {
		t.Fatalf("%d fsyncs after Close, want 1", j.syncs)
	}
}

func TestRenderWritesTheReportSetOfAKilledRun(t *testing.T) {
	dir := t.TempDir()
	writeRun(t, filepath.Join(dir, FileName), false)
	run, _, err := Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadJSONFile(filepath.Join(dir, report.RunJSONFile))
	if err != nil || back.ID != run.ID || back.Outcome != report.Aborted {
		t.Fatalf("run.json %+v %v", back, err)
	}
	for _, f := range report.ReportFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, _, err := Render(t.TempDir()); err == nil || !strings.Contains(err.Error(), FileName) {
		t.Fatalf("render without a journal: %v", err)
	}
}
