package i2c

import (
	"context"
	"fmt"
	"strings"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// ScanOptions are what `aihat i2c scan` gives i2c.scan.
type ScanOptions struct {
	// Buses are the bus numbers to scan; none scans every bus the plan
	// lists.
	Buses []int
}

// ScanStage is i2c.scan of o's buses (ScanOptions{}: the plan's, the
// table's entry). Each expected device is a measurement (present, or
// absent = FAIL unless optional); each device that answers but is not
// expected is recorded, failing unless the plan allows it.
func ScanStage(o ScanOptions) stage.Func {
	return func(ctx context.Context, env *stage.Env, step *report.Step) error {
		planned := env.Plan.I2C.Buses
		if len(o.Buses) > 0 {
			planned = selectBuses(planned, o.Buses)
		}
		if len(planned) == 0 {
			return fmt.Errorf("no I2C bus to scan: the plan lists none (i2c.buses)")
		}
		for _, pb := range planned {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := scanBus(env, step, pb); err != nil {
				return err
			}
		}
		return nil
	}
}

// selectBuses keeps the plan's entries for the named buses and adds an
// empty expectation for buses the plan does not describe.
func selectBuses(planned []plan.I2CBus, want []int) []plan.I2CBus {
	var out []plan.I2CBus
	for _, n := range want {
		found := false
		for _, pb := range planned {
			if pb.Bus == n {
				out = append(out, pb)
				found = true
			}
		}
		if !found {
			out = append(out, plan.I2CBus{Bus: n, AllowUnexpected: true})
		}
	}
	return out
}

func scanBus(env *stage.Env, step *report.Step, pb plan.I2CBus) error {
	bus, err := env.Board.I2C(pb.Bus)
	if err != nil {
		return err
	}
	defer bus.Close()
	found, err := Scan(bus, First, Last, IsBusy(board.ErrBusy))
	if err != nil {
		return fmt.Errorf("scan /dev/i2c-%d: %w", pb.Bus, err)
	}
	seen := map[uint16]Result{}
	var addrs []string
	for _, r := range found {
		seen[r.Addr] = r
		addrs = append(addrs, fmt.Sprintf("0x%02x", r.Addr))
	}
	step.Logf("i2c-%d: %d address(es) answered: %s", pb.Bus, len(found), strings.Join(addrs, " "))
	expected := map[uint16]bool{}
	for _, d := range pb.Expect {
		expected[d.Addr] = true
		r, ok := seen[d.Addr]
		m := stage.M{
			Name:  fmt.Sprintf("bus%d.0x%02x.present", pb.Bus, d.Addr),
			Value: ok,
			Code:  "I2C_DEVICE_MISSING",
			// An optional device is recorded, not judged: the plan's
			// i2c.buses entry says so.
			Record: d.Optional,
			Remedy: missingRemedy(d.Name, d.Addr, pb.Bus),
		}
		if ok && r.State == Busy {
			step.Logf("i2c-%d 0x%02x (%s) is claimed by a kernel driver (UU)", pb.Bus, d.Addr, d.Name)
		}
		stage.Measure(env, step, m)
	}
	for _, r := range found {
		if expected[r.Addr] {
			continue
		}
		stage.Measure(env, step, stage.M{
			Name:   fmt.Sprintf("bus%d.0x%02x.unexpected", pb.Bus, r.Addr),
			Value:  true,
			Code:   "I2C_UNEXPECTED_DEVICE",
			Record: pb.AllowUnexpected,
			Remedy: fmt.Sprintf("a device the plan does not list answered at 0x%02x on /dev/i2c-%d (%s probe): add it to the plan's i2c.buses or find what is on the bus", r.Addr, pb.Bus, r.Probe),
		})
	}
	stage.Measure(env, step, stage.M{
		Name: fmt.Sprintf("bus%d.devices", pb.Bus), Value: float64(len(found)), Unit: "count",
	})
	return nil
}

// missingRemedy says what to check when an expected device does not
// answer: bus 0 is the HAT's ID EEPROM bus (ID_SD/ID_SC), bus 1 the
// header's i2c_arm where station add-ons sit.
func missingRemedy(name string, addr uint16, bus int) string {
	msg := fmt.Sprintf("%s did not acknowledge at 0x%02x on /dev/i2c-%d: ", name, addr, bus)
	switch bus {
	case 0:
		return msg + "check the HAT is seated on the header, that its ID_SD/ID_SC pins (27/28) connect, and that nothing holds the bus low"
	case 1:
		return msg + "check it is fitted and powered, its address straps, its wiring to GPIO2/GPIO3 (pins 3/5), and dtparam=i2c_arm=on in config.txt"
	}
	return fmt.Sprintf("%scheck it is fitted and powered, its address straps, and that the bus's overlay is enabled in config.txt", msg)
}
