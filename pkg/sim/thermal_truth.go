package sim

import "github.com/aihat/aihat/pkg/board"

// FirstOrder is the SoC die's true first-order response at a constant load
// with the fan in the state it settles in: T(t) = TInf − (TInf − T0)·e^(−t/Tau).
// Tests hold a fit of the sampled temperature to it.
type FirstOrder struct {
	TInfC  float64 // steady-state temperature, °C
	TauS   float64 // time constant R·C, s
	FanPWM int     // the fan state it settles in (0-255)
	// Linear is false when the steady state lies in firmware throttling
	// (≥ 80 °C): the clock then falls with temperature and the response is
	// not first-order.
	Linear bool
}

// SoCFirstOrder returns the model's true SoC response to load l from idle,
// computed from the model's constants (not by running it): the fan state
// is stepped as the kernel's curve does, up while the steady state is past
// the next trip, down while it is below the previous trip less hysteresis.
func (b *Board) SoCFirstOrder(l board.Load) FirstOrder {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := &model{st: b.state, cpuLoad: clamp01(l.CPU), npuLoad: clamp01(l.NPU), armHz: armMaxHz}
	p := m.socPower()
	tinf := func() float64 { return b.state.AmbientC + p*m.socOhm() }
	for i := 0; i < 8; i++ {
		t := tinf()
		switch {
		case m.fanState < 4 && t >= fanTripsC[m.fanState]:
			m.fanState++
		case m.fanState > 0 && t < fanTripsC[m.fanState-1]-fanHysteresisC:
			m.fanState--
		default:
			i = 8
		}
	}
	t := tinf()
	return FirstOrder{TInfC: t, TauS: m.socOhm() * socHeatCap, FanPWM: fanPWM[m.fanState], Linear: t < softTempC}
}

// NPUTemperature is the Hailo die's temperature in °C as libhailort's
// temperature query reports it. The simulated board has it as a
// capability; a Pi's kernel has no file for it (HailoRT's API does).
func (b *Board) NPUTemperature() (float64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sync()
	return b.npuTemp(), nil
}
