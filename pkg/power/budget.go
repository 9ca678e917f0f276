package power

import (
	"fmt"
	"math"

	"github.com/aihat/aihat/pkg/plan"
)

// Budget is a computed power budget.
type Budget struct {
	// Per component: the figure used for the worst case (peak) in W.
	Components []BudgetLine
	IdleW      float64 // sum of idle figures
	SteadyW    float64 // sum of steady figures
	WorstW     float64 // sum of peak figures: every component at its peak
	Margin     float64 // fraction, 0.20
	BudgetW    float64 // WorstW × (1 + Margin)
	BusV       float64 // voltage the current is given at
	BusA       float64 // BudgetW / BusV

	// Supply side.
	Supply       plan.PowerSupply
	SupplyW      float64 // what the supply delivers to the 5 V bus, W
	SupplyInputA float64 // current the budget draws from the supply, A
	HeadroomW    float64 // SupplyW − BudgetW
}

// BudgetLine is one component's figures in W and where they came from.
type BudgetLine struct {
	Name                  string
	IdleW, SteadyW, PeakW float64
	Source                string // "plan" or "measured"
}

// ComputeBudget adds up the components, applies the margin and checks the
// supply. measured replaces a component's steady and peak figures when its
// Measured source is in the map (value: steady W, peak W).
func ComputeBudget(b plan.PowerBudget, measured map[string][2]float64) (*Budget, error) {
	if len(b.Components) == 0 {
		return nil, fmt.Errorf("power budget: the plan lists no components (power.budget.components)")
	}
	out := &Budget{Margin: b.MarginFraction(), BusV: b.BusV, Supply: b.Supply}
	if out.BusV == 0 {
		out.BusV = 5
	}
	if out.Margin < 0 || out.Margin > 10 {
		return nil, fmt.Errorf("power budget: margin %g is not a fraction (0.20 is 20 %%)", out.Margin)
	}
	for _, c := range b.Components {
		if c.IdleW < 0 || c.SteadyW < 0 || c.PeakW < 0 {
			return nil, fmt.Errorf("power budget: component %q has a negative figure", c.Name)
		}
		l := BudgetLine{Name: c.Name, IdleW: c.IdleW, SteadyW: c.SteadyW, PeakW: c.PeakW, Source: "plan"}
		if m, ok := measured[c.Measured]; ok && c.Measured != "" {
			l.SteadyW, l.PeakW, l.Source = m[0], m[1], "measured"
		}
		out.Components = append(out.Components, l)
		out.IdleW += l.IdleW
		out.SteadyW += l.SteadyW
		out.WorstW += math.Max(l.PeakW, l.SteadyW)
	}
	out.BudgetW = out.WorstW * (1 + out.Margin)
	out.BusA = out.BudgetW / out.BusV
	s := b.Supply
	eff := s.Efficiency
	if eff == 0 {
		eff = 1
	}
	if eff < 0 || eff > 1 {
		return nil, fmt.Errorf("power budget: supply efficiency %g must be in (0, 1]", eff)
	}
	if s.Volts > 0 && s.MaxA > 0 {
		in := s.Volts * s.MaxA
		if s.MaxW > 0 {
			in = math.Min(in, s.MaxW)
		}
		out.SupplyW = in * eff
		out.SupplyInputA = out.BudgetW / eff / s.Volts
		out.HeadroomW = out.SupplyW - out.BudgetW
	}
	return out, nil
}
