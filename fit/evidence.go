package fit

import (
	"context"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// FormAuto, as Options.VerdictForm, lets Analyze choose the verdict's law
// from the data.
const FormAuto = "auto"

// Ways a law is checked on runs it was not fitted to (LawCheck.Check).
const (
	// CheckHoldout predicts the holdout runs from the anchors.
	CheckHoldout = "holdout"
	// CheckLeaveOneSizeOut refits the anchors without each size in turn
	// and predicts the left-out runs; used when there is no holdout.
	CheckLeaveOneSizeOut = "leave-one-size-out"
)

// Qualifiers of a verdict (Verdict.Qualifiers): why the evidence is against
// the law the verdict rests on.
const (
	// QualifierHoldoutsMissed: some holdouts lie outside the verdict law's
	// predicted 95% intervals.
	QualifierHoldoutsMissed = "holdouts-missed"
	// QualifierCurvature: the verdict rests on the log-linear law, whose
	// residuals on the anchors curve.
	QualifierCurvature = "curvature"
	// QualifierLawSwitched: the log-linear law failed its checks, so the
	// verdict rests on the saturating law instead.
	QualifierLawSwitched = "law-switched"
	// QualifierUnsupportedLaw: the options forced a law the data do not
	// support.
	QualifierUnsupportedLaw = "unsupported-law"
)

// curvatureAlpha is the false-alarm rate of the curvature test over all the
// activations compared: each activation is tested at curvatureAlpha/k
// (Bonferroni), so that a clean power law is called curved in at most 5%
// of sweeps however many activations it has.
const curvatureAlpha = 0.05

// Curvature tests one activation's anchors for curvature of log L against
// log C, which the log-linear law cannot follow: log L is regressed on
// x = log C − mean log C and x², and the coefficient of x² is tested
// against zero with Student's t on n − 3 degrees of freedom. A positive
// coefficient (upward) is the loss flattening as a saturating law does.
type Curvature struct {
	Activation string `json:"activation"`
	Quadratic  Num    `json:"quadratic"`
	T          Num    `json:"t"`
	// P is the two-sided p-value of T.
	P Num `json:"p"`
	// Alpha is the p-value below which the residuals count as curved.
	Alpha  Num  `json:"alpha"`
	Curved bool `json:"curved"`
	// Direction is "upward" (the loss flattens) or "downward".
	Direction string `json:"direction"`
}

// testCurvature tests pts for curvature at level alpha, or returns nil when
// there are too few points (4 runs at 3 distinct computes at least).
func testCurvature(act string, pts []Point, alpha float64) *Curvature {
	n := len(pts)
	if n < 4 || distinct(LogLinear{}, pts) < 3 {
		return nil
	}
	x := make([]float64, n)
	y := make([]float64, n)
	mx := 0.0
	for i, p := range pts {
		x[i], y[i] = math.Log(p.C), math.Log(p.Loss)
		mx += x[i]
	}
	mx /= float64(n)
	z := make([]float64, n)
	for i := range x {
		x[i] -= mx
		z[i] = x[i] * x[i]
	}
	// Frisch–Waugh: the x² coefficient is the regression of y's residuals
	// on x²'s residuals, both after the straight line in x.
	ry, rz := lineResiduals(x, y), lineResiduals(x, z)
	szz, szy := 0.0, 0.0
	for i := range rz {
		szz += rz[i] * rz[i]
		szy += rz[i] * ry[i]
	}
	if szz == 0 {
		return nil
	}
	c := szy / szz
	sse := 0.0
	for i := range ry {
		r := ry[i] - c*rz[i]
		sse += r * r
	}
	df := float64(n - 3)
	t := math.Inf(1)
	if sse > 0 {
		t = c / math.Sqrt(sse/df/szz)
	} else if c == 0 {
		t = 0
	}
	p := 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(-math.Abs(t))
	cv := &Curvature{Activation: act, Quadratic: Num(c), T: Num(t), P: Num(p), Alpha: Num(alpha), Curved: p < alpha, Direction: "upward"}
	if c < 0 {
		cv.Direction = "downward"
	}
	return cv
}

// lineResiduals are v minus its least-squares line in x (x has mean 0).
func lineResiduals(x, v []float64) []float64 {
	mv, sxx, sxv := 0.0, 0.0, 0.0
	for i := range v {
		mv += v[i]
	}
	mv /= float64(len(v))
	for i := range x {
		sxx += x[i] * x[i]
		sxv += x[i] * (v[i] - mv)
	}
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] - mv - sxv/sxx*x[i]
	}
	return out
}

// LawCheck is how well one compute law predicted the runs it was not
// fitted to, pooled over the compared activations, and the verdict under
// that law.
type LawCheck struct {
	Form string `json:"form"`
	// Check is CheckHoldout or CheckLeaveOneSizeOut.
	Check string `json:"check"`
	// Predictions is the number of runs predicted; Inside, for the holdout
	// check, how many lie inside the 95% interval of a new run
	// (Prediction.RunInside).
	Predictions int `json:"predictions"`
	Inside      int `json:"inside"`
	// MissedBeyondChance is MissesBeyondChance: more holdouts missed than
	// 95% intervals miss by chance.
	MissedBeyondChance bool `json:"missed_beyond_chance"`
	// RMSErrPct is the root mean square of the errors in %
	// (100·(predicted − actual)/actual); MinErrPct and MaxErrPct their
	// range.
	RMSErrPct Num `json:"rms_error_pct"`
	MinErrPct Num `json:"min_error_pct"`
	MaxErrPct Num `json:"max_error_pct"`
	// Curvature tests each activation's anchors (log-linear law only).
	Curvature []*Curvature `json:"curvature,omitempty"`
	// Decision and DeltaB are the verdict under this law ("" when it
	// could not be made).
	Decision string `json:"decision,omitempty"`
	DeltaB   Param  `json:"delta_b"`
}

// Missed is the number of holdouts outside their intervals (0 for the
// leave-one-size-out check, which has no intervals).
func (c *LawCheck) Missed() int {
	if c.Check != CheckHoldout {
		return 0
	}
	return c.Predictions - c.Inside
}

// missLevel is the chance of a holdout falling outside its 95% interval,
// and of a sweep showing more misses than missesBeyondChance allows.
const missLevel = 0.05

// MissesBeyondChance reports whether the law missed more holdouts than
// 95% intervals miss by chance: P(Binomial(n, 0.05) ≥ missed) ≤ 0.05 for n
// holdout predictions. One miss in 1 counts, one in 2 to 7 does not, two
// in 8 do not: with several holdouts a single miss is what the intervals
// promise one time in five.
func (c *LawCheck) MissesBeyondChance() bool {
	k, n := c.Missed(), c.Predictions
	if k == 0 {
		return false
	}
	return binomialTail(n, k, missLevel) <= missLevel
}

// binomialTail is P(X ≥ k) for X ~ Binomial(n, p).
func binomialTail(n, k int, p float64) float64 {
	tail := 0.0
	for i := k; i <= n; i++ {
		lg, _ := math.Lgamma(float64(n + 1))
		li, _ := math.Lgamma(float64(i + 1))
		ln, _ := math.Lgamma(float64(n - i + 1))
		tail += math.Exp(lg - li - ln + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
	}
	return tail
}

// curved returns the test that found the residuals curved, or nil.
func (c *LawCheck) curved() *Curvature {
	for _, cv := range c.Curvature {
		if cv.Curved {
			return cv
		}
	}
	return nil
}

// LawChoice says which compute law the data support and which one the
// verdict rests on.
type LawChoice struct {
	// Requested is Options.VerdictForm: FormAuto or a forced law.
	Requested string `json:"requested"`
	// Supported is the law the data support; Chosen the one the verdict
	// rests on (Supported unless a law was forced).
	Supported string `json:"supported"`
	Chosen    string `json:"chosen"`
	// Reason says why, in one or two sentences.
	Reason string `json:"reason"`
	// Laws are the checks of every compute law fitted to both activations.
	Laws []*LawCheck `json:"laws"`
}

// Law returns the check of form, or nil.
func (c *LawChoice) Law(form string) *LawCheck {
	if c == nil {
		return nil
	}
	for _, l := range c.Laws {
		if l.Form == form {
			return l
		}
	}
	return nil
}

// verdictForms are the laws a verdict can rest on, simplest first.
var verdictForms = []string{FormLogLinear, FormSaturating}

// LawName is a law's name in prose ("log-linear" for loglinear).
func LawName(form string) string {
	if form == FormLogLinear {
		return "log-linear"
	}
	return form
}

// chooseLaw checks every compute law fitted to both compared activations,
// makes the verdict under each, and chooses the law the verdict rests on.
// It returns nil choice when no law has a fit for both.
func chooseLaw(ctx context.Context, a *Analysis, opts Options, anchors map[string][]Point) (*LawChoice, map[string]*Verdict, error) {
	acts := []string{opts.Baseline, opts.Candidate}
	ch := &LawChoice{Requested: opts.VerdictForm}
	verdicts := map[string]*Verdict{}
	useHoldout := true
	for _, act := range acts {
		if ar := a.Activation(act); ar == nil || ar.Holdouts == 0 {
			useHoldout = false
		}
	}
	for _, form := range verdictForms {
		v := decide(a, opts, form)
		if v == nil || !contains(opts.Forms, form) {
			continue
		}
		verdicts[form] = v
		lc := &LawCheck{Form: form, Decision: v.Decision, DeltaB: v.DeltaB}
		var errs []float64
		for _, act := range acts {
			if useHoldout {
				for _, pr := range a.Activation(act).Predictions {
					if pr.Form == form {
						errs = append(errs, float64(pr.ErrPct))
						if pr.RunInside {
							lc.Inside++
						}
					}
				}
				continue
			}
			e, err := leaveOneSizeOut(ctx, opts.form(form), anchors[act])
			if err != nil {
				return nil, nil, err
			}
			errs = append(errs, e...)
		}
		lc.Check = CheckLeaveOneSizeOut
		if useHoldout {
			lc.Check = CheckHoldout
		}
		lc.Predictions = len(errs)
		lc.MissedBeyondChance = lc.MissesBeyondChance()
		lc.RMSErrPct, lc.MinErrPct, lc.MaxErrPct = errStats(errs)
		if form == FormLogLinear {
			for _, act := range acts {
				if cv := testCurvature(act, anchors[act], curvatureAlpha/float64(len(acts))); cv != nil {
					lc.Curvature = append(lc.Curvature, cv)
				}
			}
		}
		ch.Laws = append(ch.Laws, lc)
	}
	if len(ch.Laws) == 0 {
		return nil, nil, nil
	}
	ch.Supported, ch.Reason = supportedLaw(ch)
	ch.Chosen = ch.Supported
	if opts.VerdictForm != FormAuto {
		ch.Chosen = opts.VerdictForm
		if ch.Law(ch.Chosen) == nil {
			return ch, verdicts, nil
		}
		if ch.Chosen != ch.Supported {
			ch.Reason = fmt.Sprintf("The verdict uses the %s law because the options ask for it. %s", LawName(ch.Chosen), ch.Reason)
		}
	}
	return ch, verdicts, nil
}

// rejects reports whether c's evidence calls for the saturating law:
// more holdouts outside the interval of a run than chance allows, or residuals that curve upward (a
// downward bend is a lack of fit too, but one no law here can follow).
func rejects(c *LawCheck) bool { return c.MissesBeyondChance() || c.upward() != nil }

// supportedLaw picks the law the data support, with the reason. The
// log-linear law, the simpler one, is kept unless its checks fail (a
// holdout outside the interval of a run, or residuals that curve upward)
// and the saturating law predicts the unseen runs clearly better: at most
// half the RMS error and no more misses. (A saturating fit's wide
// intervals take in holdouts easily, so its misses alone do not decide.)
func supportedLaw(ch *LawChoice) (string, string) {
	ll, sat := ch.Law(FormLogLinear), ch.Law(FormSaturating)
	if ll == nil {
		return sat.Form, fmt.Sprintf("Only the saturating law could be fitted to both activations; it %s.", describeCheck(sat))
	}
	if sat == nil {
		why := fmt.Sprintf("Only the log-linear law was fitted to both activations; it %s", describeCheck(ll))
		if cv := ll.curved(); cv != nil {
			why += ", and " + describeCurvature(cv)
		}
		return ll.Form, why + "."
	}
	switch {
	case rejects(ll) && sat.RMSErrPct <= ll.RMSErrPct/2 && sat.Missed() <= ll.Missed():
		return sat.Form, fmt.Sprintf("The data support the saturating law: the log-linear law %s, while the saturating law %s.", llFailure(ll), describeCheck(sat))
	case rejects(ll):
		return ll.Form, fmt.Sprintf("Neither law passes its checks: the log-linear law %s, and the saturating law, which %s, does not come clearly closer (RMS error %.2f%% against %.2f%%; replacing the simpler law takes half); the verdict keeps the log-linear law.", llFailure(ll), describeCheck(sat), float64(sat.RMSErrPct), float64(ll.RMSErrPct))
	}
	why := fmt.Sprintf("The data support the log-linear law: it %s", describeCheck(ll))
	if cv := ll.curved(); cv != nil {
		why += fmt.Sprintf(", though %s, a bend no law here can follow", describeCurvature(cv))
	} else if len(ll.Curvature) > 0 {
		why += fmt.Sprintf(" and its residuals show no curvature (%s)", curvatureStats(ll.Curvature))
	}
	if sat.RMSErrPct < ll.RMSErrPct {
		why += fmt.Sprintf("; the saturating law %s, but nothing in the log-linear law's errors calls for its extra parameter", describeCheck(sat))
	} else {
		why += fmt.Sprintf("; the saturating law does no better: it %s", describeCheck(sat))
	}
	return ll.Form, why + "."
}

// llFailure says how the log-linear law failed its checks, as a predicate
// ("misses 3 of 8 holdouts (...) and its residuals curve upward (...)").
func llFailure(ll *LawCheck) string {
	var parts []string
	if ll.MissesBeyondChance() {
		parts = append(parts, describeCheck(ll))
	}
	if cv := ll.curved(); cv != nil {
		parts = append(parts, "has residuals that "+strings.TrimPrefix(describeCurvature(cv), "its residuals "))
	}
	return strings.Join(parts, " and ")
}

// describeCheck says how a law predicted the runs it was not fitted to,
// e.g. "predicts 4 of 4 holdouts within their 95% intervals (errors
// +0.8% to +2.2%)".
func describeCheck(c *LawCheck) string {
	if c.Predictions == 0 {
		return "could not be checked on runs it was not fitted to"
	}
	if c.Check == CheckLeaveOneSizeOut {
		return fmt.Sprintf("predicts each anchor size from the others with RMS error %.2f%% (errors %s; no holdout was run)", float64(c.RMSErrPct), errRange(c))
	}
	if c.MissesBeyondChance() {
		return fmt.Sprintf("misses %d of %d holdouts (outside the 95%% interval of a run; errors %s)", c.Missed(), c.Predictions, errRange(c))
	}
	if c.Missed() > 0 {
		return fmt.Sprintf("predicts %d of %d holdouts within the 95%% interval of a run (%d outside, as often as chance allows; errors %s)", c.Inside, c.Predictions, c.Missed(), errRange(c))
	}
	return fmt.Sprintf("predicts %d of %d holdouts within the 95%% interval of a run (errors %s)", c.Inside, c.Predictions, errRange(c))
}

func errRange(c *LawCheck) string {
	if c.MinErrPct == c.MaxErrPct {
		return fmt.Sprintf("%+.2f%%", float64(c.MinErrPct))
	}
	return fmt.Sprintf("%+.2f%% to %+.2f%%", float64(c.MinErrPct), float64(c.MaxErrPct))
}

// describeCurvature says how a law's residuals curve, e.g. "its residuals
// curve upward (gelu: t = 3.10, p = 0.004)".
func describeCurvature(cv *Curvature) string {
	return fmt.Sprintf("its residuals curve %s (%s: t = %.2f, p = %.2g)", cv.Direction, Label(cv.Activation), float64(cv.T), float64(cv.P))
}

// upward returns the test that found the residuals curving upward (the
// loss flattening, which the saturating law can follow), or nil.
func (c *LawCheck) upward() *Curvature {
	for _, cv := range c.Curvature {
		if cv.Curved && cv.Direction == "upward" {
			return cv
		}
	}
	return nil
}

func curvatureStats(cs []*Curvature) string {
	var parts []string
	for _, cv := range cs {
		parts = append(parts, fmt.Sprintf("%s: p = %.2g", Label(cv.Activation), float64(cv.P)))
	}
	return strings.Join(parts, ", ")
}

// leaveOneSizeOut refits form on pts without each distinct size in turn
// and returns the errors in % of the left-out runs' predictions. Sizes
// whose removal leaves too few points for the law are not left out.
func leaveOneSizeOut(ctx context.Context, form Form, pts []Point) ([]float64, error) {
	var keys [][2]float64
	seen := map[[2]float64]bool{}
	for _, p := range pts {
		if k := form.key(p); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	need := len(form.ParamNames()) + 1
	var errs []float64
	for _, k := range keys {
		var train, test []Point
		for _, p := range pts {
			if form.key(p) == k {
				test = append(test, p)
			} else {
				train = append(train, p)
			}
		}
		if distinct(form, train) < need {
			continue
		}
		est, err := form.Fit(ctx, train, nil)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("leave-one-size-out %s: %w", form.Name(), ctxErr)
		}
		if err != nil {
			continue
		}
		for _, p := range test {
			errs = append(errs, 100*(form.Predict(est.Params, p)-p.Loss)/p.Loss)
		}
	}
	return errs, nil
}

// errStats returns the RMS, minimum and maximum of errs (NaN when empty).
func errStats(errs []float64) (rms, lo, hi Num) {
	if len(errs) == 0 {
		return nan, nan, nan
	}
	ss, mn, mx := 0.0, math.Inf(1), math.Inf(-1)
	for _, e := range errs {
		ss += e * e
		mn, mx = math.Min(mn, e), math.Max(mx, e)
	}
	return Num(math.Sqrt(ss / float64(len(errs)))), Num(mn), Num(mx)
}

func contains(xs []string, s string) bool { return indexOf(xs, s) >= 0 }

// qualify sets the verdict's evidence, qualifiers and headline from the law
// choice and the verdicts under the other laws. The headline is the
// decision, then how the verdict's law predicted the runs it was not
// fitted to, then what counts against it.
func qualify(v *Verdict, ch *LawChoice, verdicts map[string]*Verdict) {
	chk := ch.Law(v.Form)
	v.Evidence = chk
	lawSays := fmt.Sprintf("the %s law %s", LawName(v.Form), describeCheck(chk))
	var parts []string
	underOther := func(form string) string {
		if ov := verdicts[form]; ov != nil {
			return fmt.Sprintf("under the %s law the verdict would be %s", LawName(form), ov.Decision)
		}
		return ""
	}
	ll := ch.Law(FormLogLinear)
	switch {
	case v.Form == FormSaturating && ch.Requested == FormAuto && ll != nil:
		v.Qualifiers = append(v.Qualifiers, QualifierLawSwitched)
		if chk.MissesBeyondChance() {
			v.Qualifiers = append(v.Qualifiers, QualifierHoldoutsMissed)
		}
		why := "chosen because the log-linear law " + llFailure(ll)
		if o := underOther(FormLogLinear); o != "" && verdicts[FormLogLinear].Decision != v.Decision {
			why += "; " + o
		}
		parts = []string{lawSays, why}
	default:
		curved := v.Form == FormLogLinear && chk.curved() != nil
		switch {
		case chk.MissesBeyondChance():
			v.Qualifiers = append(v.Qualifiers, QualifierHoldoutsMissed)
			text := "but " + lawSays
			if curved {
				v.Qualifiers = append(v.Qualifiers, QualifierCurvature)
				text += " and " + describeCurvature(chk.curved())
			}
			parts = append(parts, text)
		case curved:
			v.Qualifiers = append(v.Qualifiers, QualifierCurvature)
			parts = append(parts, lawSays, "but "+describeCurvature(chk.curved()))
		default:
			parts = append(parts, lawSays)
		}
		if ch.Supported != v.Form {
			v.Qualifiers = append(v.Qualifiers, QualifierUnsupportedLaw)
			s := ch.Law(ch.Supported)
			text := fmt.Sprintf("the data support the %s law, which %s", LawName(s.Form), describeCheck(s))
			if o := underOther(s.Form); o != "" {
				text += "; " + o
			}
			parts = append(parts, text)
		} else if len(v.Qualifiers) > 0 {
			parts = append(parts, alternatives(v, chk, ch))
		}
	}
	v.Qualified = len(v.Qualifiers) > 0
	v.Headline = fmt.Sprintf("%s (%s vs %s, %s law) — %s", v.Decision, v.Candidate, v.Baseline, LawName(v.Form), strings.Join(parts, "; "))
}

// alternatives says what the other laws offer when the verdict's law fails
// a check that no other law passes better.
func alternatives(v *Verdict, chk *LawCheck, ch *LawChoice) string {
	if chk.MissesBeyondChance() {
		var others []string
		for _, l := range ch.Laws {
			if l.Form != v.Form {
				others = append(others, fmt.Sprintf("%s: RMS error %.2f%% against %.2f%%", LawName(l.Form), float64(l.RMSErrPct), float64(chk.RMSErrPct)))
			}
		}
		if len(others) == 0 {
			return "no other law was fitted to both activations"
		}
		return "no fitted law predicts them clearly better (" + strings.Join(others, "; ") + ")"
	}
	if cv := chk.curved(); cv != nil && cv.Direction == "downward" {
		return "no law fitted here bends that way (the saturating law flattens, it cannot steepen), so extrapolating any of them is in doubt"
	}
	return "the saturating law, which bends that way, does not predict the unseen runs better"
}
