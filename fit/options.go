package fit

import "fmt"

// Options configures Analyze. The zero value gives the defaults.
type Options struct {
	// Forms are the laws to fit (default loglinear, saturating, chinchilla).
	Forms []string `json:"forms"`
	// VerdictForm is the compute law whose exponent b decides the verdict:
	// FormAuto (the default) lets the data choose between loglinear and
	// saturating (see LawChoice); loglinear or saturating force that law,
	// and the analysis still says which law the data support.
	VerdictForm string `json:"verdict_form"`
	// Baseline and Candidate are the compared activations (gelu, swiglu).
	Baseline  string `json:"baseline"`
	Candidate string `json:"candidate"`
	// Boot configures every bootstrap.
	Boot BootOptions `json:"bootstrap"`
	// PracticalLossPct and ExtrapDecades define an exponent shift of
	// practical size: one that moves the loss ratio of the two activations
	// by PracticalLossPct percent over ExtrapDecades decades of compute
	// (defaults 1% and 2 decades). See Verdict.Threshold.
	PracticalLossPct float64 `json:"practical_loss_pct"`
	ExtrapDecades    float64 `json:"extrapolation_decades"`
	// ChinchillaGrid is approach 3's grid of starts (default SmallGrid).
	ChinchillaGrid *StartGrid `json:"chinchilla_grid,omitempty"`
}

// SmallGrid is a coarser grid of approach-3 starts (675) used by Analyze:
// on the Chinchilla points it finds the same optimum as HoffmannGrid at a
// seventh of the cost.
func SmallGrid() StartGrid {
	return StartGrid{
		Alpha: []float64{0.25, 0.5, 1},
		Beta:  []float64{0.25, 0.5, 1},
		LogE:  []float64{-1, 0, 1},
		LogA:  []float64{0, 5, 10, 15, 20},
		LogB:  []float64{0, 5, 10, 15, 20},
	}
}

// WithDefaults fills in every unset option.
func (o Options) WithDefaults() Options {
	if len(o.Forms) == 0 {
		o.Forms = []string{FormLogLinear, FormSaturating, FormChinchilla}
	}
	if o.VerdictForm == "" {
		o.VerdictForm = FormAuto
	}
	if o.Baseline == "" {
		o.Baseline = "gelu"
	}
	if o.Candidate == "" {
		o.Candidate = "swiglu"
	}
	if o.Boot.Seed == 0 {
		o.Boot.Seed = 1
	}
	o.Boot = o.Boot.withDefaults()
	if o.PracticalLossPct <= 0 {
		o.PracticalLossPct = 1
	}
	if o.ExtrapDecades <= 0 {
		o.ExtrapDecades = 2
	}
	if o.ChinchillaGrid == nil {
		g := SmallGrid()
		o.ChinchillaGrid = &g
	}
	return o
}

// validate checks the forms named in o.
func (o Options) validate() error {
	for _, f := range o.Forms {
		if _, err := FormByName(f); err != nil {
			return fmt.Errorf("options: %w", err)
		}
	}
	if o.VerdictForm != FormAuto && o.VerdictForm != FormLogLinear && o.VerdictForm != FormSaturating {
		return fmt.Errorf("options: verdict form %q: want %s, %s or %s", o.VerdictForm, FormAuto, FormLogLinear, FormSaturating)
	}
	return nil
}

// form returns the configured Form for name.
func (o Options) form(name string) Form {
	if name == FormChinchilla {
		return Chinchilla{Grid: o.ChinchillaGrid}
	}
	f, _ := FormByName(name)
	return f
}
