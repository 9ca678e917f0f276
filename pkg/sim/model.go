package sim

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"time"
)

// The physical model: two dies (SoC, NPU) as first-order RC networks to
// ambient, the Pi 5 active cooler on the firmware's fan curve, firmware
// throttling of the Arm clock between 80 and 85 °C, and a supply with
// source resistance feeding PMIC rails. It is integrated lazily: readers
// call step(now) and the model catches up in fixed steps, so results do not
// depend on how often files are read.

const (
	modelStep = 250 * time.Millisecond

	armMaxHz = 2.4e9
	armMinHz = 1.5e9

	socIdleW    = 2.7 // whole board at idle, excluding the HAT
	socFullW    = 4.6 // extra at 4 cores busy at 2.4 GHz
	npuIdleW    = 1.5
	npuFullW    = 8.5
	npuBurstW   = 6.0 // extra on top of full during a burst
	socHeatCap  = 18.0
	npuHeatCap  = 25.0
	socOhmStill = 9.0 // K/W, heatsink without airflow
	socOhmFan   = 4.2 // K/W at full fan

	softTempC = 80.0
	hardTempC = 85.0

	uvTripV = 4.63 // rpi_volt under-voltage threshold
)

// Burst timing of NPU inference: short peaks on top of steady draw.
const (
	burstPeriod = 2 * time.Second
	burstLength = 60 * time.Millisecond
)

// fan curve: Pi 5 defaults, trip temperatures with 5 °C hysteresis.
var (
	fanTripsC = [4]float64{50, 60, 67.5, 75}
	fanPWM    = [5]int{0, 75, 125, 175, 250}
)

const fanHysteresisC = 5.0

// model is the evolving physical state.
type model struct {
	seed  int64
	st    *State
	at    time.Time // time the state below is valid for
	start time.Time // power-on: wear faults count from it

	cpuLoad, npuLoad float64

	socC, npuC float64 // die temperatures
	fanState   int     // 0..4
	armHz      float64

	// sticky since boot (get_throttled bits 16-19, rpi_volt alarm)
	everUV, everCapped, everThrottled, everSoft bool
}

func newModel(seed int64, st *State, start time.Time) *model {
	m := &model{seed: seed, st: st, at: start, start: start, armHz: armMaxHz}
	m.socC = st.AmbientC + socIdleW*socOhmStill*0.85
	m.npuC = st.AmbientC + npuIdleW*st.NPUThermalOhm
	m.updateFan()
	return m
}

// step advances the model to now in fixed steps.
func (m *model) step(now time.Time) {
	for !m.at.Add(modelStep).After(now) {
		m.integrate(modelStep.Seconds(), m.at)
		m.at = m.at.Add(modelStep)
	}
}

func (m *model) integrate(dt float64, t time.Time) {
	amb := m.st.AmbientC
	socP := m.socPower()
	npuP := m.npuPower(t)
	rSoc := m.socOhm()
	// The NPU sits under its own heatsink in the cooler's airflow; part of
	// the SoC's heat reaches it through the board.
	rNpu := m.st.NPUThermalOhm * (1 - 0.25*m.airflow())
	m.socC += dt * (socP - (m.socC-amb)/rSoc) / socHeatCap
	npuAmb := amb + 0.15*(m.socC-amb)
	m.npuC += dt * (npuP - (m.npuC-npuAmb)/rNpu) / npuHeatCap
	m.updateFan()
	m.updateThrottle()
	if m.inputVolts(t) < uvTripV {
		m.everUV = true
	}
}

// airflow is 0..1: the fraction of full cooling the fan gives.
func (m *model) airflow() float64 {
	if m.st.FanStalled {
		return 0
	}
	return math.Sqrt(float64(fanPWM[m.fanState])/255) * m.fanWear(m.at)
}

// fanWear is the fraction of its speed a wearing fan still turns at t
// (1 for a healthy fan): FanWearPerHour of it is lost each hour.
func (m *model) fanWear(t time.Time) float64 {
	if m.st.FanWearPerHour <= 0 {
		return 1
	}
	return math.Max(0, 1-m.st.FanWearPerHour*t.Sub(m.start).Hours())
}

func (m *model) socOhm() float64 {
	return socOhmStill - (socOhmStill-socOhmFan)*m.airflow()
}

func (m *model) updateFan() {
	// Step up when a trip is crossed, down only below trip - hysteresis.
	for m.fanState < 4 && m.socC >= fanTripsC[m.fanState] {
		m.fanState++
	}
	for m.fanState > 0 && m.socC < fanTripsC[m.fanState-1]-fanHysteresisC {
		m.fanState--
	}
}

// updateThrottle applies the firmware's Arm clock cap: full speed below
// 80 °C, falling linearly to the minimum at 85 °C.
func (m *model) updateThrottle() {
	switch {
	case m.socC < softTempC:
		m.armHz = armMaxHz
	case m.socC >= hardTempC:
		m.armHz = armMinHz
	default:
		f := (m.socC - softTempC) / (hardTempC - softTempC)
		m.armHz = armMaxHz - f*(armMaxHz-armMinHz)
	}
	if m.socC >= softTempC {
		m.everSoft = true
		m.everCapped = true
	}
	if m.armHz < armMaxHz {
		m.everThrottled = true
	}
}

// socPower: dynamic power scales with load and roughly with f² (voltage
// follows frequency under DVFS).
func (m *model) socPower() float64 {
	r := m.armHz / armMaxHz
	return socIdleW + socFullW*m.cpuLoad*r*r
}

func (m *model) npuPower(t time.Time) float64 {
	load := m.npuLoad
	if m.npuGone(t) {
		load = 0 // its driver resets: no inference runs
	}
	p := npuIdleW + (npuFullW-npuIdleW)*load
	if m.inBurst(t) {
		p += npuBurstW * m.npuLoad
	}
	return p
}

// inBurst reports whether the NPU is in a power burst at t.
func (m *model) inBurst(t time.Time) bool {
	if m.npuLoad <= 0 || m.npuGone(t) {
		return false
	}
	return time.Duration(t.UnixNano())%burstPeriod < burstLength
}

// fanRPM is what the tachometer reads.
func (m *model) fanRPM(t time.Time) float64 {
	if m.st.FanStalled || fanPWM[m.fanState] == 0 {
		return 0
	}
	return 8000*float64(fanPWM[m.fanState])/255*m.fanWear(t) + 40*m.noise("fan", t)
}

// totalInputPower is what the board draws from the 5 V input.
func (m *model) totalInputPower(t time.Time) float64 {
	// PMIC and fan losses on top of the dies.
	return (m.socPower()+m.npuPower(t))/0.9 + 0.2*float64(fanPWM[m.fanState])/255
}

// inputVolts is EXT5V at t: open-circuit voltage minus the sag across the
// source resistance, minus the extra burst sag of a weak supply.
func (m *model) inputVolts(t time.Time) float64 {
	v := m.st.SupplyV
	i := m.totalInputPower(t) / v
	v -= i * m.st.SupplyOhm
	if m.inBurst(t) {
		v -= m.st.BurstSagV
	}
	if m.inBrownout(t) {
		v -= m.st.Loadtest.BrownoutSagV
	}
	return v + 0.004*m.noise("ext5v", t)
}

// underVoltageNow reports bit 0 of get_throttled.
func (m *model) underVoltageNow(t time.Time) bool { return m.inputVolts(t) < uvTripV }

// throttledBits renders vcgencmd get_throttled.
func (m *model) throttledBits(t time.Time) uint32 {
	var v uint32
	set := func(bit uint, on bool) {
		if on {
			v |= 1 << bit
		}
	}
	set(0, m.underVoltageNow(t))
	set(1, m.socC >= softTempC)
	set(2, m.armHz < armMaxHz)
	set(3, m.socC >= softTempC)
	set(16, m.everUV)
	set(17, m.everCapped)
	set(18, m.everThrottled)
	set(19, m.everSoft)
	return v
}

// noise is seeded, deterministic noise in [-1, 1] for a channel at a time
// quantised to 100 ms, independent of how often it is read.
func (m *model) noise(channel string, t time.Time) float64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(m.seed))
	binary.LittleEndian.PutUint64(b[8:], uint64(t.UnixNano()/int64(100*time.Millisecond)))
	h.Write(b[:])
	h.Write([]byte(channel))
	return float64(h.Sum64()%20001)/10000 - 1
}

// rail is one PMIC ADC channel pair.
type rail struct {
	name  string
	volts float64
	// amps returns the current at the model's load.
	amps  func(m *model, t time.Time) float64
	vchan int
	achan int
}

// pmicRails are the Pi 5 PMIC's rails in vcgencmd pmic_read_adc order,
// with channel numbers as the firmware prints them (checked against real
// captures in testdata/captures/pmic_read_adc: 3V3_DAC current 17/volt 20, 3V3_ADC 18/21,
// 0V8_AON 16/19, HDMI 22/23).
var pmicRails = []rail{
	{"3V7_WL_SW", 3.7, func(m *model, _ time.Time) float64 { return 0.09 }, 8, 0},
	{"3V3_SYS", 3.3, func(m *model, _ time.Time) float64 { return 0.12 + 0.02*m.cpuLoad }, 9, 1},
	{"1V8_SYS", 1.8, func(m *model, _ time.Time) float64 { return 0.16 + 0.04*m.cpuLoad }, 10, 2},
	{"DDR_VDD2", 1.1, func(m *model, _ time.Time) float64 { return 0.02 + 0.3*m.cpuLoad }, 11, 3},
	{"DDR_VDDQ", 0.6, func(m *model, _ time.Time) float64 { return 0.001 + 0.05*m.cpuLoad }, 12, 4},
	{"1V1_SYS", 1.1, func(m *model, _ time.Time) float64 { return 0.18 + 0.05*m.cpuLoad }, 13, 5},
	{"0V8_SW", 0.8, func(m *model, _ time.Time) float64 { return 0.3 + 0.1*m.cpuLoad }, 14, 6},
	{"VDD_CORE", 0.88, func(m *model, _ time.Time) float64 { return (0.55 + 0.8*(m.socPower()-socIdleW)) / 0.88 }, 15, 7},
	{"3V3_DAC", 3.3, func(m *model, _ time.Time) float64 { return 0.0001 }, 20, 17},
	{"3V3_ADC", 3.3, func(m *model, _ time.Time) float64 { return 0.0004 }, 21, 18},
	{"0V8_AON", 0.8, func(m *model, _ time.Time) float64 { return 0.0021 }, 19, 16},
	{"HDMI", 5.1, func(m *model, _ time.Time) float64 { return 0.02 }, 23, 22},
}

// railVolts is a rail's voltage at t, with load regulation, scaling faults
// and noise.
func (m *model) railVolts(r rail, t time.Time) float64 {
	v := r.volts
	if r.name == "HDMI" {
		v = m.inputVolts(t)
	}
	if r.name == "VDD_CORE" {
		// DVFS: the core voltage tracks the Arm clock.
		v = 0.72 + 0.16*(m.armHz-armMinHz)/(armMaxHz-armMinHz)
	}
	if s, ok := m.st.RailScale[r.name]; ok {
		v *= s
	}
	return v * (1 + 0.002*m.noise(r.name+"_V", t))
}

func (m *model) railAmps(r rail, t time.Time) float64 {
	a := r.amps(m, t)
	a *= 1 + 0.01*m.noise(r.name+"_A", t)
	if a < 0 {
		a = 0
	}
	return a
}

// HATRail is the AI HAT+ 2's 5 V input as a shunt monitor on it would read:
// bus voltage in volts and current in amperes.
func (m *model) hatRail(t time.Time) (volts, amps float64) {
	v := m.inputVolts(t) - 0.03 // connector and trace drop
	if s, ok := m.st.RailScale["HAT_5V"]; ok {
		v *= s
	}
	return v, m.npuPower(t) / 0.92 / v
}
