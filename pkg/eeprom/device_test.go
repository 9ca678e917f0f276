package eeprom

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/clock"
	"github.com/aihat/aihat/pkg/sim"
	"periph.io/x/conn/v3/physic"
)

func simDevice(t testing.TB, faults ...string) (*sim.Board, *Device) {
	t.Helper()
	b, err := sim.New(sim.Options{Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	bus, err := b.I2C(0)
	if err != nil {
		t.Fatal(err)
	}
	return b, &Device{Bus: bus, Addr: 0x50, BusName: "/dev/i2c-0", Clock: b.Clock()}
}

func simWP(t testing.TB, b *sim.Board) *WP {
	t.Helper()
	line, err := b.Line("", b.State().EEPROMWPLine)
	if err != nil {
		t.Fatal(err)
	}
	return &WP{Line: line, ActiveHigh: true}
}

// Reading the whole 4 KiB chip moves at most 1 % more bytes over the bus
// than the payload (large sequential reads, not byte by byte).
func TestReadAllMovesAtMostOnePercentOverhead(t *testing.T) {
	b, d := simDevice(t)
	b.Bus(0).ResetTraffic()
	got, err := d.ReadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.EEPROM().Contents()) {
		t.Fatal("read differs from the chip's contents")
	}
	tr := b.Bus(0).Traffic()
	overhead := float64(tr.WireBytes-len(got)) / float64(len(got))
	t.Logf("read %d B: %d transactions, %d wire bytes, overhead %.2f %%", len(got), tr.Transactions, tr.WireBytes, 100*overhead)
	if overhead > 0.01 {
		t.Fatalf("read moved %d wire bytes for %d B: overhead %.2f %% > 1 %%", tr.WireBytes, len(got), 100*overhead)
	}
}

// Writing 4 KiB takes exactly 128 page writes of 32 B, each followed by
// acknowledge polling (the chip NAKs while its write cycle runs).
func TestWrite4KiBIs128PageWritesWithAckPolling(t *testing.T) {
	b, d := simDevice(t)
	img := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(img)
	b.Bus(0).ResetTraffic()
	var res WriteResult
	err := WithWritesEnabled(context.Background(), simWP(t, b), func() error {
		var err error
		res, err = d.WriteAt(context.Background(), 0, img)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tr := b.Bus(0).Traffic()
	t.Logf("write 4096 B: %d page writes, %d busy polls (NAKs %d), %d transactions, %d wire bytes, %v virtual time",
		res.Pages, res.Polls, tr.NAKs, tr.Transactions, tr.WireBytes, res.Duration)
	if res.Pages != 128 || b.EEPROM().PageWrites() != 128 {
		t.Fatalf("page writes: driver %d, chip %d; want 128", res.Pages, b.EEPROM().PageWrites())
	}
	if res.Polls == 0 || tr.NAKs != res.Polls {
		t.Fatalf("busy polls %d, NAKs %d: want acknowledge polling", res.Polls, tr.NAKs)
	}
	if !bytes.Equal(b.EEPROM().Contents(), img) {
		t.Fatal("chip contents differ from what was written")
	}
	// Every transaction is a page write or a poll: 128 writes of 2+32 B
	// data, and 1-byte polls.
	polls := tr.Transactions - 128
	if tr.BytesWritten != 128*34 || tr.BytesRead != polls-tr.NAKs {
		t.Fatalf("traffic %+v: not 128 page writes plus polls", tr)
	}
	if b.EEPROM().Contents() == nil || !protected(t, b) {
		t.Fatal("WP not asserted after the write")
	}
}

func protected(t testing.TB, b *sim.Board) bool {
	line, _ := b.Line("", b.State().EEPROMWPLine)
	v, _ := line.Get()
	return v == 1
}

func TestUnalignedWriteSplitsAtPageBoundaries(t *testing.T) {
	b, d := simDevice(t)
	data := bytes.Repeat([]byte{0xa5}, 40)
	var res WriteResult
	err := WithWritesEnabled(context.Background(), simWP(t, b), func() (err error) {
		res, err = d.WriteAt(context.Background(), 30, data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 3 || res.Bytes != 40 {
		t.Fatalf("pages %d bytes %d, want 3 pages (2+32+6 B) and 40 B", res.Pages, res.Bytes)
	}
	got := b.EEPROM().Contents()
	if !bytes.Equal(got[30:70], data) || got[29] == 0xa5 || got[70] == 0xa5 {
		t.Fatalf("bytes 28-72: % x", got[28:72])
	}
}

func TestWithoutWPLineTheProtectedChipFailsReadBack(t *testing.T) {
	_, d := simDevice(t)
	img, _ := readFile("aihat2-hatplus.eep")
	blank := bytes.Repeat([]byte{0x00}, len(img))
	_, err := d.Program(context.Background(), blank, nil, false)
	if !errors.Is(err, ErrReadBack) {
		t.Fatalf("err = %v, want a read-back mismatch", err)
	}
}

func TestWPStuckFaultFailsReadBack(t *testing.T) {
	b, d := simDevice(t, "eeprom-wp-stuck")
	img := bytes.Repeat([]byte{0x11}, 64)
	_, err := d.Program(context.Background(), img, simWP(t, b), false)
	if !errors.Is(err, ErrReadBack) {
		t.Fatalf("err = %v, want a read-back mismatch", err)
	}
}

func TestProgramWritesAndVerifies(t *testing.T) {
	b, d := simDevice(t)
	img, _ := readFile("hatplus-custom-power.eep")
	res, err := d.Program(context.Background(), img, simWP(t, b), false)
	if err != nil || !res.Verified || res.Pages != 6 {
		t.Fatalf("res %+v err %v, want verified in 6 pages", res, err)
	}
	if !protected(t, b) {
		t.Fatal("WP not asserted again")
	}
	if _, err := d.Program(context.Background(), img, nil, true); err != nil {
		t.Fatalf("verify-only: %v", err)
	}
}

// fakeLine records what the WP line was driven to.
type fakeLine struct{ log []string }

func (l *fakeLine) Set(v int) error {
	l.log = append(l.log, map[int]string{0: "low", 1: "high"}[v])
	return nil
}
func (l *fakeLine) Get() (int, error) { return 0, nil }
func (l *fakeLine) Close() error      { l.log = append(l.log, "close"); return nil }

// failingBus acknowledges everything until its write budget runs out.
type failingBus struct {
	writes  int
	failAt  int
	alwaysB bool // polls never acknowledge
}

func (f *failingBus) String() string                  { return "fake" }
func (f *failingBus) SetSpeed(physic.Frequency) error { return nil }
func (f *failingBus) Tx(addr uint16, w, r []byte) error {
	if len(w) > 2 {
		f.writes++
		if f.failAt > 0 && f.writes >= f.failAt {
			return errors.New("EREMOTEIO")
		}
		return nil
	}
	if f.alwaysB {
		return errors.New("NAK")
	}
	return nil
}

func TestWPRestoredOnWriteError(t *testing.T) {
	line := &fakeLine{}
	// The first write is the WP test's one byte, then the image's pages.
	d := &Device{Bus: &failingBus{failAt: 4}, Addr: 0x50, Clock: clock.NewVirtual(time.Unix(0, 0))}
	_, err := d.Program(context.Background(), make([]byte, 200), &WP{Line: line, ActiveHigh: true}, false)
	var pe *PageWriteError
	if !errors.As(err, &pe) || pe.Page != 2 || len(pe.PagesDone) != 2 {
		t.Fatalf("err = %v, want a failure at page 2 after pages 0-1", err)
	}
	if got := line.log; len(got) != 4 || got[0] != "high" || got[1] != "low" || got[2] != "high" || got[3] != "close" {
		t.Fatalf("WP line = %v, want [high (WP test) low high close]", got)
	}
}

func TestWPRestoredOnCancel(t *testing.T) {
	line := &fakeLine{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := &Device{Bus: &failingBus{}, Addr: 0x50, Clock: clock.NewVirtual(time.Unix(0, 0))}
	_, err := d.Program(ctx, make([]byte, 64), &WP{Line: line, ActiveHigh: true}, false)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := line.log; len(got) < 2 || got[len(got)-2] != "high" || got[len(got)-1] != "close" {
		t.Fatalf("WP line = %v, want it asserted and released", got)
	}
}

func TestWPActiveLowDrivesHighToWrite(t *testing.T) {
	line := &fakeLine{}
	err := WithWritesEnabled(context.Background(), &WP{Line: line, ActiveHigh: false}, func() error { return nil })
	if err != nil || line.log[0] != "high" || line.log[1] != "low" {
		t.Fatalf("log %v err %v", line.log, err)
	}
}

func TestAckPollTimesOut(t *testing.T) {
	d := &Device{Bus: &failingBus{alwaysB: true}, Addr: 0x50, Clock: clock.NewVirtual(time.Unix(0, 0)), WriteTimeout: 10 * time.Millisecond}
	_, err := d.WriteAt(context.Background(), 0, make([]byte, 32))
	if !errors.Is(err, ErrWriteTimeout) {
		t.Fatalf("err = %v, want ErrWriteTimeout", err)
	}
}

func BenchmarkReadAll4KiB(b *testing.B) {
	sb, d := simDevice(b)
	sb.Bus(0).ResetTraffic()
	for i := 0; i < b.N; i++ {
		if _, err := d.ReadAll(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	tr := sb.Bus(0).Traffic()
	b.ReportMetric(float64(tr.WireBytes)/float64(b.N), "wireB/op")
	b.ReportMetric(float64(tr.Transactions)/float64(b.N), "tx/op")
}

func BenchmarkWrite4KiB(b *testing.B) {
	sb, d := simDevice(b)
	img := make([]byte, 4096)
	wp := simWP(b, sb)
	sb.Bus(0).ResetTraffic()
	pages := 0
	for i := 0; i < b.N; i++ {
		err := WithWritesEnabled(context.Background(), wp, func() error {
			res, err := d.WriteAt(context.Background(), 0, img)
			pages += res.Pages
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	tr := sb.Bus(0).Traffic()
	b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
	b.ReportMetric(float64(tr.NAKs)/float64(b.N), "busypolls/op")
	b.ReportMetric(float64(tr.WireBytes)/float64(b.N), "wireB/op")
}

func TestProgramProvesWPBothWays(t *testing.T) {
	b, d := simDevice(t)
	img, _ := readFile("hatplus-custom-power.eep")
	res, err := d.Program(context.Background(), img, simWP(t, b), false)
	if err != nil {
		t.Fatal(err)
	}
	if res.WPHolds == nil || !*res.WPHolds || res.WritesTake == nil || !*res.WritesTake {
		t.Fatalf("WP holds %v, writes take %v: want both proven", res.WPHolds, res.WritesTake)
	}
	if c := b.EEPROM().Contents(); c[res.ProbeOffset] != 0xff {
		t.Fatalf("probe byte 0x%04x left at 0x%02x, want it restored to 0xff", res.ProbeOffset, c[res.ProbeOffset])
	}
}

// Writing the image a chip already holds passed on a chip with WP tied
// high: the read-back matched because nothing had to change.
func TestProgramCatchesStuckWPWhenTheChipAlreadyHoldsTheImage(t *testing.T) {
	b, d := simDevice(t, "eeprom-wp-stuck")
	img := b.EEPROM().Contents()
	_, err := d.Program(context.Background(), img, simWP(t, b), false)
	if !errors.Is(err, ErrWritesIgnored) {
		t.Fatalf("err = %v, want ErrWritesIgnored", err)
	}
}

// A WP line that does not reach the chip (wrong --wp-gpio, WP tied low on
// the board): the protected test write changes the chip.
func TestProgramCatchesAWPLineThatDoesNotProtect(t *testing.T) {
	b, d := simDevice(t)
	b.EEPROM().SetWP(false) // WP pin not pulled up on this board
	line, err := b.Line("", 17)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := readFile("hatplus-custom-power.eep")
	res, err := d.Program(context.Background(), img, &WP{Line: line, ActiveHigh: true}, false)
	if !errors.Is(err, ErrWPNotHolding) || res.WPHolds == nil || *res.WPHolds {
		t.Fatalf("err = %v, holds %v: want ErrWPNotHolding", err, res.WPHolds)
	}
	if c := b.EEPROM().Contents(); !bytes.Equal(c[:len(img)], img) || c[res.ProbeOffset] != 0xff {
		t.Fatal("the image was not written or the probe byte not restored")
	}
}

func TestProgramRefusesAnImageLargerThanTheChip(t *testing.T) {
	b, d := simDevice(t)
	before := b.EEPROM().Contents()
	_, err := d.Program(context.Background(), make([]byte, DefaultSize+1), simWP(t, b), false)
	if !errors.Is(err, ErrImageTooLarge) {
		t.Fatalf("err = %v, want ErrImageTooLarge", err)
	}
	if !bytes.Equal(before, b.EEPROM().Contents()) {
		t.Fatal("the chip changed")
	}
}
