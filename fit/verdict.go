package fit

import (
	"fmt"
	"math"
	"strings"
)

// The three verdicts.
const (
	DecisionShift        = "exponent shift"
	DecisionOffset       = "constant offset"
	DecisionInconclusive = "inconclusive at this scale"
)

// minPairedDraws is the fewest paired bootstrap draws a verdict other than
// inconclusive needs.
const minPairedDraws = 20

// minVerdictDOF is the fewest residual degrees of freedom (anchor runs minus
// parameters) each fit needs for a verdict other than inconclusive. With
// fewer, resampling runs gives too few distinct resamples to bound Δb: on
// simulated sweeps with equal exponents and 4 anchor runs per activation
// the interval excluded zero in 10.5% of 200 sweeps (nominal 5%), against
// 2.5% with 5 runs and 0% with 8.
const minVerdictDOF = 3

// Verdict compares the candidate activation's compute exponent and constant
// with the baseline's.
type Verdict struct {
	Form      string `json:"form"`
	Baseline  string `json:"baseline"`
	Candidate string `json:"candidate"`
	// BBaseline and BCandidate are the exponents b of the two fits.
	BBaseline  Param `json:"b_baseline"`
	BCandidate Param `json:"b_candidate"`
	// DeltaB is b_candidate − b_baseline; its interval comes from pairing
	// draw i of the two independent bootstraps.
	DeltaB Param `json:"delta_b"`
	// Threshold is the largest |Δb| not of practical size:
	// log10(1 + PracticalLossPct/100) / ExtrapDecades.
	Threshold    Num    `json:"threshold"`
	ThresholdWhy string `json:"threshold_why"`
	// RefCompute is the largest compute among all runs and RefLoss the
	// baseline's fitted loss there; the multiplier is taken at RefLoss.
	RefCompute Num `json:"ref_compute"`
	RefLoss    Num `json:"ref_loss"`
	// Multiplier is C_baseline(RefLoss)/C_candidate(RefLoss): how many
	// times more compute the baseline needs to reach RefLoss.
	Multiplier  Param  `json:"multiplier"`
	PairedDraws int    `json:"paired_draws"`
	Decision    string `json:"decision"`
	// Summary states the verdict and its uncertainty in plain words.
	Summary string `json:"summary"`
	// Headline is the verdict in one line, qualified by its evidence: the
	// decision, the law it rests on, how that law predicted the runs it was
	// not fitted to, and, when the evidence is against it, what is wrong.
	// report.md, report.html and the console all open with it.
	Headline string `json:"headline"`
	// Evidence is the check of the verdict's law on the runs it was not
	// fitted to (the holdouts, or each anchor size left out in turn).
	Evidence *LawCheck `json:"evidence,omitempty"`
	// Qualified is true when the evidence is against the verdict's law;
	// Qualifiers say how (QualifierHoldoutsMissed, ...), and the headline
	// says it in words.
	Qualified  bool     `json:"qualified"`
	Qualifiers []string `json:"qualifiers,omitempty"`
	// SeedRule is the seed notebook's fixed 5% rule applied to the same
	// sweep, for comparison.
	SeedRule *SeedRule `json:"seed_rule,omitempty"`
}

// computeAt inverts a compute law: the compute at which th predicts loss l
// (NaN when the law never reaches l).
func computeAt(form string, th []float64, l float64) float64 {
	switch form {
	case FormLogLinear:
		return math.Pow(th[0]/l, 1/th[1])
	case FormSaturating:
		if l <= th[0] {
			return math.NaN()
		}
		return math.Pow(th[1]/(l-th[0]), 1/th[2])
	}
	return math.NaN()
}

// decide builds the verdict from the fits of form (a compute law), or
// returns nil when either activation lacks that fit.
func decide(a *Analysis, opts Options, form string) *Verdict {
	ab, ac := a.Activation(opts.Baseline), a.Activation(opts.Candidate)
	if ab == nil || ac == nil {
		return nil
	}
	fb, fc := ab.Fit(form), ac.Fit(form)
	if !fb.OK() || !fc.OK() {
		return nil
	}
	v := &Verdict{Form: form, Baseline: opts.Baseline, Candidate: opts.Candidate,
		BBaseline: fb.Param("b"), BCandidate: fc.Param("b")}
	tau := math.Log10(1+opts.PracticalLossPct/100) / opts.ExtrapDecades
	v.Threshold = Num(tau)
	v.ThresholdWhy = fmt.Sprintf("under L = a·C^−b the ratio of the two losses changes by a factor 10^(Δb·k) over k decades of compute; |Δb| < %.4g moves it by less than %g%% over %g decades of extrapolation beyond the sweep; a shift that changes the predicted loss gap by less than that would not change which activation to choose, so it is not of practical size (both numbers are options)", tau, opts.PracticalLossPct, opts.ExtrapDecades)

	cmax := 0.0
	for _, p := range a.Points {
		cmax = math.Max(cmax, p.C)
	}
	v.RefCompute = Num(cmax)
	lref := fb.form.Predict(fb.est.Params, Point{C: cmax})
	v.RefLoss = Num(lref)
	bj := indexOf(fb.form.ParamNames(), "b")
	n := min(len(fb.Boot.Draws), len(fc.Boot.Draws))
	v.PairedDraws = n
	db := make([]float64, n)
	mult := make([]float64, n)
	for i := 0; i < n; i++ {
		tb, tc := fb.Boot.Draws[i], fc.Boot.Draws[i]
		db[i] = tc[bj] - tb[bj]
		mult[i] = computeAt(v.Form, tb, lref) / computeAt(v.Form, tc, lref)
	}
	tail := math.Min(float64(fb.Tail), float64(fc.Tail))
	lo, hi := interval(db, tail)
	v.DeltaB = Param{Name: "delta_b", Value: Num(fc.est.Params[bj] - fb.est.Params[bj]), Lo: Num(lo), Hi: Num(hi)}
	mlo, mhi := interval(mult, tail)
	v.Multiplier = Param{Name: "multiplier", Value: Num(cmax / computeAt(v.Form, fc.est.Params, lref)), Lo: Num(mlo), Hi: Num(mhi)}
	v.Decision, v.Summary = judge(v, fb, fc)
	return v
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// judge applies the rule: exponent shift when Δb's interval excludes 0;
// constant offset when it includes 0, lies inside ±Threshold and the
// multiplier's interval excludes 1; inconclusive otherwise.
func judge(v *Verdict, fb, fc *FitResult) (string, string) {
	d, tau, m := v.DeltaB, float64(v.Threshold), v.Multiplier
	var w strings.Builder
	fmt.Fprintf(&w, "Δb = b_%s − b_%s = %s (95%% interval %s to %s, %d paired bootstrap draws). ",
		v.Candidate, v.Baseline, FormatNum(d.Value), FormatNum(d.Lo), FormatNum(d.Hi), v.PairedDraws)
	fmt.Fprintf(&w, "To reach loss %s (the %s fit at C = %s FLOP), %s needs %s× the compute that %s needs (compute multiplier, 95%% interval %s to %s; above 1 favours %s). ",
		FormatNum(v.RefLoss), v.Baseline, FormatNum(v.RefCompute), v.Baseline, FormatNum(m.Value), v.Candidate, FormatNum(m.Lo), FormatNum(m.Hi), v.Candidate)
	decision := DecisionInconclusive
	np := len(fb.form.ParamNames())
	switch {
	case fb.Points-np < minVerdictDOF || fc.Points-np < minVerdictDOF:
		fmt.Fprintf(&w, "With %d %s and %d %s anchor runs for a %d-parameter law, resampling runs cannot bound Δb (at least %d runs per activation are needed), so the question stays open: inconclusive at this scale. ",
			fb.Points, v.Baseline, fc.Points, v.Candidate, np, np+minVerdictDOF)
	case v.PairedDraws < minPairedDraws || !d.Lo.Finite() || !d.Hi.Finite():
		fmt.Fprintf(&w, "Only %d bootstrap draws could be paired, too few for a 95%% interval, so the question stays open: inconclusive at this scale. ", v.PairedDraws)
	case float64(d.Lo) > 0 || float64(d.Hi) < 0:
		decision = DecisionShift
		dir := "faster"
		if float64(d.Hi) < 0 {
			dir = "slower"
		}
		fmt.Fprintf(&w, "The interval for Δb excludes zero, so %s's loss falls %s with compute than %s's: an exponent shift. ", v.Candidate, dir, v.Baseline)
	case float64(d.Lo) > -tau && float64(d.Hi) < tau && m.Lo.Finite() && (float64(m.Lo) > 1 || float64(m.Hi) < 1):
		decision = DecisionOffset
		fmt.Fprintf(&w, "The interval for Δb includes zero and lies within ±%.4g, so any exponent shift is too small to matter, while the multiplier's interval excludes 1: a constant offset. ", tau)
	case float64(d.Lo) > -tau && float64(d.Hi) < tau:
		fmt.Fprintf(&w, "The interval for Δb includes zero and lies within ±%.4g, but the multiplier's interval includes 1, so the data cannot tell the two activations apart: inconclusive at this scale. ", tau)
	default:
		fmt.Fprintf(&w, "The interval for Δb includes zero but reaches beyond ±%.4g, so neither equal exponents nor a shift of practical size can be ruled out: inconclusive at this scale. ", tau)
	}
	fmt.Fprintf(&w, "These intervals come from resampling %d %s and %d %s anchor runs (%s bootstrap)",
		fb.Points, v.Baseline, fc.Points, v.Candidate, fb.Boot.Scheme)
	if min(fb.Points, fc.Points) < 10 {
		w.WriteString("; with so few runs they are rough, and percentile intervals from few points tend to be too narrow rather than too wide")
	}
	w.WriteString(".")
	return decision, w.String()
}
