package i2c

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/board/fixture"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/sim/simi2c"
	"github.com/aihat/aihat/pkg/stage"
)

// recordingBus answers at the addresses in ack and records how each
// address was probed.
type recordingBus struct {
	ack    map[uint16]bool
	probes map[uint16]Probe
}

func (b *recordingBus) String() string { return "rec" }
func (b *recordingBus) Tx(addr uint16, w, r []byte) error {
	b.probes[addr] = ProbeRead
	if b.ack[addr] {
		return nil
	}
	return errNAK
}
func (b *recordingBus) QuickWrite(addr uint16) error {
	b.probes[addr] = ProbeQuick
	if b.ack[addr] {
		return nil
	}
	return errNAK
}

type nak struct{}

func (nak) Error() string { return "nak" }

var errNAK = nak{}

var ackAll = simi2c.DeviceFunc(func(w, r []byte) error { return nil })

func TestScanProbesLikeI2Cdetect(t *testing.T) {
	b := &recordingBus{ack: map[uint16]bool{0x50: true, 0x1a: true}, probes: map[uint16]Probe{}}
	found, err := Scan(busAdapter{b}, First, Last, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[0].Addr != 0x1a || found[1].Addr != 0x50 {
		t.Fatalf("found %+v, want 0x1a and 0x50", found)
	}
	for a := uint16(0); a <= 0x7f; a++ {
		p, probed := b.probes[a]
		switch {
		case a < First || a > Last:
			if probed {
				t.Errorf("reserved address 0x%02x was probed", a)
			}
		case (a >= 0x30 && a <= 0x37) || (a >= 0x50 && a <= 0x5f):
			if p != ProbeRead {
				t.Errorf("0x%02x probed with %v, want a read byte (EEPROM range)", a, p)
			}
		default:
			if p != ProbeQuick {
				t.Errorf("0x%02x probed with %v, want a quick write", a, p)
			}
		}
	}
}

func TestScanRejectsBadRange(t *testing.T) {
	if _, err := Scan(simi2c.NewBus(0), 0x10, 0x08, nil); err == nil {
		t.Fatal("reversed range accepted")
	}
}

func runScan(t *testing.T, b board.Board, buses ...int) *report.Step {
	t.Helper()
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	env := stage.NewEnv(b, p)
	step := report.NewStep("i2c.scan", b.Clock().Now())
	err = ScanStage(ScanOptions{Buses: buses})(context.Background(), env, step)
	step.Finish(b.Clock().Now(), err)
	return step
}

func measurement(t *testing.T, s *report.Step, name string) report.Measurement {
	t.Helper()
	for _, m := range s.Measurements {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no measurement %s in %+v", name, s.Measurements)
	return report.Measurement{}
}

func TestScanStageFindsTheHATEEPROMOnSim(t *testing.T) {
	b, _ := sim.New(sim.Options{Seed: 1})
	s := runScan(t, b)
	if s.Outcome != report.Pass {
		t.Fatalf("outcome %s: %+v", s.Outcome, s.Measurements)
	}
	if m := measurement(t, s, "bus0.0x50.present"); m.Value != true {
		t.Fatalf("0x50 = %+v", m)
	}
	if m := measurement(t, s, "bus0.devices"); m.Value != 1.0 || m.Unit != "count" {
		t.Fatalf("devices = %+v", m)
	}
}

func TestScanStageStillFindsABlankEEPROM(t *testing.T) {
	b, _ := sim.New(sim.Options{Seed: 1, Faults: []string{"eeprom-blank"}})
	if s := runScan(t, b); s.Outcome != report.Pass {
		t.Fatalf("a blank EEPROM still acknowledges: outcome %s", s.Outcome)
	}
}

func TestScanStageFailsWhenTheEEPROMDoesNotAnswer(t *testing.T) {
	b, _ := sim.New(sim.Options{Seed: 1})
	b.Bus(0).Detach(0x50)
	s := runScan(t, b)
	m := measurement(t, s, "bus0.0x50.present")
	if s.Outcome != report.Fail || m.Outcome != report.Fail || m.Code != "I2C_DEVICE_MISSING" || m.Message == "" {
		t.Fatalf("step %s, measurement %+v", s.Outcome, m)
	}
}

func TestScanStageFailsOnAnUnexpectedDevice(t *testing.T) {
	b, _ := sim.New(sim.Options{Seed: 1})
	b.Bus(0).Attach(0x1a, ackAll)
	s := runScan(t, b)
	if m := measurement(t, s, "bus0.0x1a.unexpected"); m.Outcome != report.Fail {
		t.Fatalf("unexpected device: %+v", m)
	}
}

func TestScanStageOnUnplannedBusRecordsWithoutFailing(t *testing.T) {
	b, _ := sim.New(sim.Options{Seed: 1})
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	p.I2C.Buses = p.I2C.Buses[:1] // the plan describes bus 0 only
	env := stage.NewEnv(b, p)
	s := report.NewStep("i2c.scan", b.Clock().Now())
	s.Finish(b.Clock().Now(), ScanStage(ScanOptions{Buses: []int{1}})(context.Background(), env, s))
	if s.Outcome != report.Pass {
		t.Fatalf("outcome %s", s.Outcome)
	}
	if m := measurement(t, s, "bus1.0x40.unexpected"); m.Value != true || m.Limits != nil {
		t.Fatalf("0x40 on bus 1 = %+v", m)
	}
}

func fixtureDir(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "i2c", name)
}

func TestScanStageOnAFixtureRoot(t *testing.T) {
	b, err := fixture.New(fixtureDir("pi5-bookworm"))
	if err != nil {
		t.Fatal(err)
	}
	if s := runScan(t, b); s.Outcome != report.Pass {
		t.Fatalf("healthy fixture: %s %+v %s", s.Outcome, s.Measurements, s.Error)
	}
	nohat, _ := fixture.New(fixtureDir("no-hat"))
	s := runScan(t, nohat)
	if m := measurement(t, s, "bus0.0x50.present"); m.Outcome != report.Fail {
		t.Fatalf("fixture without HAT: %+v", m)
	}
	// "UU" at 0x37: claimed by a driver, recorded as unexpected.
	if m := measurement(t, s, "bus0.0x37.unexpected"); m.Value != true {
		t.Fatalf("UU address not recorded: %+v", m)
	}
}

func TestScanStageErrorsWithoutACapture(t *testing.T) {
	b, _ := fixture.New(t.TempDir())
	s := runScan(t, b)
	if s.Outcome != report.Error || s.Error == "" {
		t.Fatalf("outcome %s error %q, want ERROR naming the missing capture", s.Outcome, s.Error)
	}
}

func TestMissingDeviceRemedyDependsOnTheBus(t *testing.T) {
	b, _ := sim.New(sim.Options{Seed: 1, Faults: []string{"ina-missing", "eeprom-nak"}})
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	p.I2C.Buses[1].Expect[0].Optional = false
	env := stage.NewEnv(b, p)
	s := report.NewStep("i2c.scan", b.Clock().Now())
	s.Finish(b.Clock().Now(), ScanStage(ScanOptions{})(context.Background(), env, s))
	hat := measurement(t, s, "bus0.0x50.present")
	mon := measurement(t, s, "bus1.0x40.present")
	if hat.Outcome != report.Fail || !strings.Contains(hat.Message, "ID_SD/ID_SC") {
		t.Errorf("bus 0: %s %q", hat.Outcome, hat.Message)
	}
	if mon.Outcome != report.Fail || !strings.Contains(mon.Message, "GPIO2/GPIO3") || strings.Contains(mon.Message, "ID_SD") {
		t.Errorf("bus 1: %s %q", mon.Outcome, mon.Message)
	}
}
