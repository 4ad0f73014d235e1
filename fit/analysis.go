package fit

import (
	"fmt"
	"math"
	"strconv"
)

// Param is one fitted parameter with its 95% bootstrap interval (expanded
// percentile; Lo, Hi are null in JSON when no resample succeeded).
type Param struct {
	Name  string `json:"name"`
	Value Num    `json:"value"`
	Lo    Num    `json:"lo"`
	Hi    Num    `json:"hi"`
}

// FitResult is one law fitted to one activation's anchors.
type FitResult struct {
	Form       string      `json:"form"`
	Law        string      `json:"law"`
	Activation string      `json:"activation"`
	Points     int         `json:"points"`
	Params     []Param     `json:"params,omitempty"`
	Objective  Num         `json:"objective"`
	RMSLog     Num         `json:"rms_log_residual"` // root mean square of log L − log prediction on the anchors
	Boot       *BootResult `json:"bootstrap,omitempty"`
	// Tail is the lower tail probability of the 95% expanded percentile
	// intervals (see expandedTail): 0.025 for many points, less for few.
	Tail Num `json:"interval_tail"`
	// Error says why the fit is missing (too few points, not identifiable, ...).
	Error string `json:"error,omitempty"`

	form Form
	est  Estimate
}

// OK reports whether the fit succeeded.
func (f *FitResult) OK() bool { return f != nil && f.Error == "" && f.est.Params != nil }

// Param returns the named parameter, or a NaN one when absent.
func (f *FitResult) Param(name string) Param {
	for _, p := range f.Params {
		if p.Name == name {
			return p
		}
	}
	return Param{Name: name, Value: nan, Lo: nan, Hi: nan}
}

// Predict is the fitted law's loss at p (NaN when the fit failed).
func (f *FitResult) Predict(p Point) float64 {
	if !f.OK() {
		return float64(nan)
	}
	return f.form.Predict(f.est.Params, p)
}

// Prediction is a fitted law's prediction for one run, usually a holdout.
type Prediction struct {
	Run        string `json:"run"`
	Activation string `json:"activation"`
	Role       string `json:"role"`
	Form       string `json:"form"`
	C          Num    `json:"compute"`
	Actual     Num    `json:"actual"`
	Predicted  Num    `json:"predicted"`
	Lo         Num    `json:"lo"`
	Hi         Num    `json:"hi"`
	ErrPct     Num    `json:"error_pct"` // 100·(predicted − actual)/actual
	Inside     bool   `json:"inside"`    // actual lies within [lo, hi]
	// RunLo and RunHi bound the loss of one new run at the holdout's size
	// (95%): the law's interval widened by the run-to-run noise of the
	// anchors around the fit (see PredictWithInterval). RunInside is true
	// when the actual loss lies within them: the law predicted the run.
	RunLo     Num  `json:"run_lo"`
	RunHi     Num  `json:"run_hi"`
	RunInside bool `json:"run_inside"`
}

// ActivationResult gathers the fits and holdout predictions of one
// activation.
type ActivationResult struct {
	Activation  string       `json:"activation"`
	Anchors     int          `json:"anchors"`
	Holdouts    int          `json:"holdouts"`
	Fits        []*FitResult `json:"fits"`
	Predictions []Prediction `json:"predictions"`
}

// Fit returns the activation's fit of the named form, or nil.
func (a *ActivationResult) Fit(form string) *FitResult {
	for _, f := range a.Fits {
		if f.Form == form {
			return f
		}
	}
	return nil
}

// Analysis is the result of Analyze: every fit, interval, prediction and
// the verdict.
type Analysis struct {
	Options     Options             `json:"options"`
	Points      []Point             `json:"points"`
	Activations []*ActivationResult `json:"activations"`
	// LawChoice checks each compute law on the runs it was not fitted to
	// and says which one the verdict rests on.
	LawChoice *LawChoice `json:"law_choice,omitempty"`
	Verdict   *Verdict   `json:"verdict,omitempty"`
	// IsoFLOP is the analysis of an IsoFLOP grid (every point has a
	// budget): approaches 2 and 3 and the comparison of the frontiers.
	IsoFLOP *IsoFLOP `json:"isoflop,omitempty"`
	// LRTuning is the sweep's learning-rate tuning per activation, when it
	// tuned (filled by the caller, shown by the report).
	LRTuning []LRTuningCurve `json:"lr_tuning,omitempty"`
	Notes    []string        `json:"notes,omitempty"`
}

// VerdictLaw is the compute law the verdict rests on: the chosen law, or
// loglinear when no law was chosen.
func (a *Analysis) VerdictLaw() string {
	if a.LawChoice != nil && a.LawChoice.Chosen != "" {
		return a.LawChoice.Chosen
	}
	if a.Options.VerdictForm == FormSaturating {
		return FormSaturating
	}
	return FormLogLinear
}

// Activation returns the named activation's results, or nil.
func (a *Analysis) Activation(name string) *ActivationResult {
	for _, r := range a.Activations {
		if r.Activation == name {
			return r
		}
	}
	return nil
}

// Num is a float64 that encodes NaN and ±Inf as JSON null, so that an
// analysis with a missing interval still writes valid JSON.
type Num float64

// MarshalJSON writes n, or null when n is not finite.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// Finite reports whether n is neither NaN nor infinite.
func (n Num) Finite() bool {
	f := float64(n)
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}

var nan = Num(math.NaN())

// FormatNum formats n with 4 significant digits (scientific notation below
// 1e−3 and from 1e5 up), "n/a" when not finite: the one number format of
// verdicts, reports and console lines.
func FormatNum(n Num) string {
	if !n.Finite() {
		return "n/a"
	}
	f := float64(n)
	if a := math.Abs(f); a != 0 && (a >= 1e5 || a < 1e-3) {
		return fmt.Sprintf("%.3e", f)
	}
	return fmt.Sprintf("%.4g", f)
}
