package fit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// minNDRatioSpread is the spread of D/N over the anchors below which
// approach 3 is not identifiable: on a sweep at a fixed tokens-per-parameter
// ratio N and D move together, and A/N^α cannot be told from B/D^β.
const minNDRatioSpread = 1.5

// FitForm fits form to pts, bootstraps it, and returns the result; a
// failure is recorded in the result's Error, never returned. ctx's
// cancellation is the only error.
func FitForm(ctx context.Context, form Form, pts []Point, activation string, boot BootOptions) (*FitResult, error) {
	r := &FitResult{Form: form.Name(), Law: form.Law(), Activation: activation, Points: len(pts), form: form,
		Objective: nan, RMSLog: nan, Tail: nan}
	k := len(form.ParamNames()) + 1
	if err := needPoints(form, pts, k); err != nil {
		r.Error = fmt.Sprintf("%v (a %d-parameter law needs one more point than parameters)", err, k-1)
		return r, nil
	}
	est, err := form.Fit(ctx, pts, nil)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("%s fit of %s: %w", form.Name(), activation, ctxErr)
	}
	if err != nil {
		r.Error = err.Error()
		return r, nil
	}
	r.est = est
	r.Objective = Num(est.Objective)
	ss := 0.0
	for _, p := range pts {
		d := math.Log(p.Loss) - math.Log(form.Predict(est.Params, p))
		ss += d * d
	}
	r.RMSLog = Num(math.Sqrt(ss / float64(len(pts))))
	b, err := Bootstrap(ctx, form, pts, est, boot)
	if err != nil {
		return nil, fmt.Errorf("%s fit of %s: %w", form.Name(), activation, err)
	}
	r.Boot = b
	r.Tail = Num(expandedTail(len(pts), len(form.ParamNames())))
	for j, name := range form.ParamNames() {
		lo, hi := interval(b.Column(j), float64(r.Tail))
		r.Params = append(r.Params, Param{Name: name, Value: Num(est.Params[j]), Lo: Num(lo), Hi: Num(hi)})
	}
	return r, nil
}

// PredictWithInterval returns f's prediction for p with its bootstrap
// interval (the uncertainty of the law) and the interval for one new run.
// The run interval adds, in quadrature on log L, the anchors' residual
// spread around the fit: t₀.₉₇₅,ₙ₋ₚ · RMS log residual · sqrt(n/(n−p)) for n
// anchors and p parameters. A holdout outside the law's interval can still
// be an ordinary run; one outside the run interval is one the law did not
// predict.
func (f *FitResult) PredictWithInterval(p Point) Prediction {
	pr := Prediction{Run: p.Run, Activation: p.Activation, Role: p.Role, Form: f.Form, C: Num(p.C),
		Actual: Num(p.Loss), Predicted: nan, Lo: nan, Hi: nan, ErrPct: nan, RunLo: nan, RunHi: nan}
	if !f.OK() {
		return pr
	}
	pred := f.form.Predict(f.est.Params, p)
	pr.Predicted = Num(pred)
	pr.ErrPct = Num(100 * (pred - p.Loss) / p.Loss)
	if f.Boot != nil && f.Boot.Used > 0 {
		lo, hi := f.Boot.Interval(func(th []float64) float64 { return f.form.Predict(th, p) }, float64(f.Tail))
		pr.Lo, pr.Hi = Num(lo), Num(hi)
		pr.Inside = p.Loss >= lo && p.Loss <= hi
		if noise := f.runNoise(); !math.IsNaN(noise) && lo > 0 && pred > 0 {
			dlo, dhi := math.Log(pred/lo), math.Log(hi/pred)
			rlo := pred * math.Exp(-math.Sqrt(dlo*dlo+noise*noise))
			rhi := pred * math.Exp(math.Sqrt(dhi*dhi+noise*noise))
			pr.RunLo, pr.RunHi = Num(rlo), Num(rhi)
			pr.RunInside = p.Loss >= rlo && p.Loss <= rhi
		}
	}
	return pr
}

// runNoise is the half-width, on log L, of the 95% interval of one run
// around the law: t₀.₉₇₅,ₙ₋ₚ · RMS log residual · sqrt(n/(n−p)); NaN when
// the fit leaves no residual degrees of freedom.
func (f *FitResult) runNoise() float64 {
	n, k := f.Points, len(f.form.ParamNames())
	if n <= k || !f.RMSLog.Finite() {
		return math.NaN()
	}
	df := float64(n - k)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
	return t * float64(f.RMSLog) * math.Sqrt(float64(n)/df)
}

// Analyze fits every form to each activation's anchors, predicts its
// holdouts, and decides the verdict. It returns an error when a point is
// unusable, when ctx is cancelled, or when no fit at all could be made
// (too few points); a single fit that fails is recorded in its result.
func Analyze(ctx context.Context, points []Point, opts Options) (*Analysis, error) {
	opts = opts.WithDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if len(points) == 0 {
		return nil, errors.New("analyze: no points: too few points to fit anything")
	}
	for _, p := range points {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("analyze: %w", err)
		}
	}
	a := &Analysis{Options: opts, Points: points}
	anchorsOf := map[string][]Point{}
	iso := isIsoFLOP(points)
	var reasons []string
	for _, act := range activations(points, opts) {
		ar := &ActivationResult{Activation: act}
		var anchors, holdouts []Point
		for _, p := range points {
			if p.Activation != act {
				continue
			}
			if p.Role == RoleAnchor {
				anchors = append(anchors, p)
			} else {
				holdouts = append(holdouts, p)
			}
		}
		ar.Anchors, ar.Holdouts = len(anchors), len(holdouts)
		anchorsOf[act] = anchors
		for _, name := range opts.Forms {
			form := opts.form(name)
			var r *FitResult
			if iso && name != FormChinchilla {
				r = &FitResult{Form: name, Law: form.Law(), Activation: act, Points: len(anchors),
					Objective: nan, RMSLog: nan, Tail: nan, Error: "skipped: " + isoflopSkipsComputeLaws, form: form}
			}
			if name == FormChinchilla && !iso {
				if why := chinchillaUnidentifiable(anchors); why != "" {
					r = &FitResult{Form: name, Law: form.Law(), Activation: act, Points: len(anchors),
						Objective: nan, RMSLog: nan, Tail: nan, Error: "skipped: " + why, form: form}
				}
			}
			if r == nil {
				slog.Info("fitting", "form", name, "activation", act, "anchors", len(anchors))
				var err error
				if r, err = FitForm(ctx, form, anchors, act, opts.Boot); err != nil {
					return nil, fmt.Errorf("analyze: %w", err)
				}
			}
			if r.Error != "" && !(iso && name != FormChinchilla) {
				reasons = append(reasons, fmt.Sprintf("%s/%s: %s", act, name, r.Error))
				a.Notes = append(a.Notes, fmt.Sprintf("%s fit for %s: %s", name, Label(act), r.Error))
			}
			ar.Fits = append(ar.Fits, r)
			for _, h := range holdouts {
				if r.OK() {
					ar.Predictions = append(ar.Predictions, r.PredictWithInterval(h))
				}
			}
		}
		a.Activations = append(a.Activations, ar)
	}
	ok := iso
	for _, ar := range a.Activations {
		for _, f := range ar.Fits {
			ok = ok || f.OK()
		}
	}
	if !ok {
		return nil, fmt.Errorf("analyze: too few points: no law could be fitted (%s)", strings.Join(reasons, "; "))
	}
	if iso {
		s, err := analyzeIsoFLOP(ctx, a, opts)
		if err != nil {
			return nil, fmt.Errorf("analyze: %w", err)
		}
		a.IsoFLOP = s
		a.Notes = append(a.Notes, "IsoFLOP grid: "+isoflopSkipsComputeLaws)
		if s.Verdict == nil {
			a.Notes = append(a.Notes, fmt.Sprintf("no IsoFLOP verdict: it needs approach 2 for both %s and %s", opts.Baseline, opts.Candidate))
		}
		return a, nil
	}
	ch, verdicts, err := chooseLaw(ctx, a, opts, anchorsOf)
	if err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	a.LawChoice = ch
	if ch != nil {
		a.Verdict = verdicts[ch.Chosen]
	}
	if a.Verdict == nil {
		law := LawName(opts.VerdictForm) + " law"
		if opts.VerdictForm == FormAuto {
			law = "log-linear or saturating law"
		}
		a.Notes = append(a.Notes, fmt.Sprintf("no verdict: it needs a %s fit for both %s and %s", law, opts.Baseline, opts.Candidate))
		return a, nil
	}
	qualify(a.Verdict, ch, verdicts)
	a.Verdict.SeedRule = seedRule(a, opts, a.Verdict, ch)
	return a, nil
}

// activations lists the activations in pts: baseline, candidate, then the
// rest in name order.
func activations(pts []Point, opts Options) []string {
	seen := map[string]bool{}
	for _, p := range pts {
		seen[p.Activation] = true
	}
	var out []string
	for _, a := range []string{opts.Baseline, opts.Candidate} {
		if seen[a] {
			out = append(out, a)
			delete(seen, a)
		}
	}
	var rest []string
	for a := range seen {
		rest = append(rest, a)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Label names an activation in prose ("all points" for an unnamed one).
func Label(act string) string {
	if act == "" {
		return "all points"
	}
	return act
}

// chinchillaUnidentifiable says why approach 3 cannot be fitted to anchors,
// or "" when it can.
func chinchillaUnidentifiable(anchors []Point) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range anchors {
		if !p.hasND() {
			return fmt.Sprintf("run %s has no params/tokens", p.Run)
		}
		r := p.D / p.N
		lo, hi = math.Min(lo, r), math.Max(hi, r)
	}
	if len(anchors) > 0 && hi/lo < minNDRatioSpread {
		return fmt.Sprintf("not identifiable: every anchor has D/N between %.3g and %.3g, so N and D move together and A/N^α cannot be told from B/D^β (needs anchors at several tokens-per-parameter ratios)", lo, hi)
	}
	return ""
}
