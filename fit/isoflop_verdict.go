package fit

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// Approach3 is the compute-optimal allocation implied by one activation's
// approach-3 fit L = E + A/N^α + B/D^β: under C = 6·N·D the loss is least
// at N_opt = G·(C/6)^a, D_opt = (C/6)/N_opt, with a = β/(α+β),
// b = α/(α+β) and G = (αA/(βB))^(1/(α+β)) (Hoffmann et al. 2022, eq. 4).
type Approach3 struct {
	Activation string      `json:"activation"`
	A          Param       `json:"a"`
	B          Param       `json:"b"`
	Budgets    []A3Optimum `json:"budgets"`
	Error      string      `json:"error,omitempty"`

	fit *FitResult
}

// A3Optimum is approach 3's compute-optimal point at one budget.
type A3Optimum struct {
	Budget         Num   `json:"budget"`
	NOpt           Param `json:"n_opt"`
	DOpt           Param `json:"d_opt"`
	TokensPerParam Param `json:"tokens_per_param"`
	LossOpt        Param `json:"loss_opt"`
}

// chinchillaOptimum is th's compute-optimal N, D and loss at budget c
// (th = E, A, B, α, β).
func chinchillaOptimum(th []float64, c float64) (n, d, loss float64) {
	e, a, b, al, be := th[0], th[1], th[2], th[3], th[4]
	g := math.Pow(al*a/(be*b), 1/(al+be))
	n = g * math.Pow(c/6, be/(al+be))
	d = c / (6 * n)
	return n, d, e + a*math.Pow(n, -al) + b*math.Pow(d, -be)
}

// chinchillaFrontierCompute is the compute at which th's frontier reaches
// loss l (NaN when l is at or below E), by bisection in ln C.
func chinchillaFrontierCompute(th []float64, l float64) float64 {
	if !(l > th[0]) {
		return math.NaN()
	}
	lo, hi := math.Log(1.0), math.Log(1e40)
	f := func(x float64) float64 { _, _, v := chinchillaOptimum(th, math.Exp(x)); return v - l }
	if f(lo) < 0 || f(hi) > 0 {
		return math.NaN()
	}
	for i := 0; i < 200 && hi-lo > 1e-10; i++ {
		m := (lo + hi) / 2
		if f(m) > 0 {
			lo = m
		} else {
			hi = m
		}
	}
	return math.Exp((lo + hi) / 2)
}

// derive fills a3 from its fit at the given budgets.
func deriveApproach3(f *FitResult, budgets []float64) *Approach3 {
	r := &Approach3{Activation: f.Activation, A: nanParam("a"), B: nanParam("b"), fit: f}
	if !f.OK() {
		r.Error = "approach 3 fit failed: " + f.Error
		return r
	}
	th := f.est.Params
	tail := float64(f.Tail)
	get := func(name string, g func(th []float64) float64) Param {
		p := Param{Name: name, Value: Num(g(th)), Lo: nan, Hi: nan}
		if f.Boot != nil && f.Boot.Used > 0 {
			lo, hi := f.Boot.Interval(g, tail)
			p.Lo, p.Hi = Num(lo), Num(hi)
		}
		return p
	}
	r.A = get("a", func(th []float64) float64 { return th[4] / (th[3] + th[4]) })
	r.B = get("b", func(th []float64) float64 { return th[3] / (th[3] + th[4]) })
	for _, c := range budgets {
		r.Budgets = append(r.Budgets, A3Optimum{
			Budget:         Num(c),
			NOpt:           get("n_opt", func(th []float64) float64 { n, _, _ := chinchillaOptimum(th, c); return n }),
			DOpt:           get("d_opt", func(th []float64) float64 { _, d, _ := chinchillaOptimum(th, c); return d }),
			TokensPerParam: get("tokens_per_param", func(th []float64) float64 { n, d, _ := chinchillaOptimum(th, c); return d / n }),
			LossOpt:        get("loss_opt", func(th []float64) float64 { _, _, l := chinchillaOptimum(th, c); return l }),
		})
	}
	return r
}

// IsoFLOP is the analysis of an IsoFLOP grid: approach 2 and approach 3
// per activation, and the comparison of the two activations' frontiers.
type IsoFLOP struct {
	Budgets   []Num           `json:"budgets"`
	Approach2 []*Approach2    `json:"approach2"`
	Approach3 []*Approach3    `json:"approach3"`
	Verdict   *IsoFLOPVerdict `json:"verdict,omitempty"`
	LRTuning  []LRTuningCurve `json:"lr_tuning,omitempty"`
}

// LRTuningCurve is one activation's learning-rate tuning as the report
// shows it: validation loss against peak learning rate, and the chosen
// multiplier of the base rate. The caller fills Analysis.LRTuning from the
// sweep (the tuning is a property of the sweep, not of the fits).
type LRTuningCurve struct {
	Activation string    `json:"activation"`
	Params     int64     `json:"params"`
	Tokens     int64     `json:"tokens"`
	LR         []float64 `json:"lr"`
	Multiplier []float64 `json:"multiplier"`
	Loss       []Num     `json:"loss"` // null for a diverged run
	Best       float64   `json:"best_multiplier"`
	BestLR     float64   `json:"best_lr"`
	AtEdge     string    `json:"at_edge,omitempty"`
}

// A2 returns the named activation's approach-2 result, or nil.
func (s *IsoFLOP) A2(act string) *Approach2 {
	for _, r := range s.Approach2 {
		if r.Activation == act {
			return r
		}
	}
	return nil
}

// A3 returns the named activation's approach-3 result, or nil.
func (s *IsoFLOP) A3(act string) *Approach3 {
	for _, r := range s.Approach3 {
		if r.Activation == act {
			return r
		}
	}
	return nil
}

// isoflopSkipsComputeLaws says why the laws in C alone are not fitted to
// an IsoFLOP grid.
const isoflopSkipsComputeLaws = "the runs of one budget share C but differ in N and D, so a law in C alone (log-linear, saturating) describes none of them; the fixed-ratio verdict is replaced by the IsoFLOP comparison (approaches 2 and 3)"

// isIsoFLOP reports whether every point belongs to an IsoFLOP profile.
func isIsoFLOP(pts []Point) bool {
	for _, p := range pts {
		if !(p.Budget > 0) {
			return false
		}
	}
	return len(pts) > 0
}

// analyzeIsoFLOP runs approach 2 per activation, derives approach 3 from
// the activation's chinchilla fit (already in a), and compares.
func analyzeIsoFLOP(ctx context.Context, a *Analysis, opts Options) (*IsoFLOP, error) {
	cs, _ := budgetsOf(a.Points)
	s := &IsoFLOP{}
	for _, c := range cs {
		s.Budgets = append(s.Budgets, Num(c))
	}
	for k, ar := range a.Activations {
		var pts []Point
		for _, p := range a.Points {
			if p.Activation == ar.Activation {
				pts = append(pts, p)
			}
		}
		r2, err := FitApproach2(ctx, pts, ar.Activation, opts.Boot, 0x9e3779b97f4a7c15*uint64(k+1))
		if err != nil {
			return nil, err
		}
		s.Approach2 = append(s.Approach2, r2)
		if r2.Error != "" {
			a.Notes = append(a.Notes, fmt.Sprintf("approach 2 for %s: %s", Label(ar.Activation), r2.Error))
		}
		for _, bf := range r2.Budgets {
			switch {
			case bf.Error != "":
				a.Notes = append(a.Notes, fmt.Sprintf("IsoFLOP profile of %s at C = %s: %s", Label(ar.Activation), FormatNum(bf.Budget), bf.Error))
			case !bf.Inside:
				a.Notes = append(a.Notes, fmt.Sprintf("IsoFLOP profile of %s at C = %s: the minimum N = %s lies outside the sizes trained (%s to %s), so it extrapolates the parabola; a grid centred nearer it would measure it",
					Label(ar.Activation), FormatNum(bf.Budget), FormatNum(bf.NOpt.Value), FormatNum(bf.NMin), FormatNum(bf.NMax)))
			}
		}
		if f := ar.Fit(FormChinchilla); f != nil {
			s.Approach3 = append(s.Approach3, deriveApproach3(f, cs))
		}
	}
	s.Verdict = compareIsoFLOP(s, a, opts)
	return s, nil
}

// Comparison is one quantity of the two activations and their difference
// (candidate − baseline, or candidate / baseline for a ratio), with the
// interval of the difference from paired bootstrap draws.
type Comparison struct {
	Name      string `json:"name"`
	Method    string `json:"method"`
	Baseline  Param  `json:"baseline"`
	Candidate Param  `json:"candidate"`
	// Delta is candidate − baseline (Ratio false) or candidate/baseline.
	Delta Param `json:"delta"`
	Ratio bool  `json:"ratio"`
	// Differs is "yes" when Delta's interval excludes 0 (1 for a ratio),
	// "no difference resolved" when it includes it, "n/a" without an
	// interval.
	Differs string `json:"differs"`
}

// IsoFLOPVerdict answers, with intervals: do the exponents differ, does
// the compute-optimal allocation differ, and by how much compute does one
// activation lead at equal loss on its own frontier.
type IsoFLOPVerdict struct {
	Baseline   string       `json:"baseline"`
	Candidate  string       `json:"candidate"`
	Exponents  []Comparison `json:"exponents"`
	Allocation []Comparison `json:"allocation"`
	// RefLoss is the baseline's frontier loss at the largest budget
	// (approach 2), where the compute lead is measured.
	RefLoss    Num `json:"ref_loss"`
	RefCompute Num `json:"ref_compute"`
	// Lead is C_baseline/C_candidate at RefLoss on each activation's own
	// frontier (approach 2: the line through the profiles' minima; above
	// 1 favours the candidate); Lead3 the same from the approach-3 fits.
	Lead    Param  `json:"lead"`
	Lead3   Param  `json:"lead_approach3"`
	Summary string `json:"summary"`
}

const (
	differsYes = "yes"
	differsNo  = "no difference resolved"
	differsNA  = "n/a"
)

func pairInterval(xs []float64, tail float64) (Num, Num) {
	lo, hi := interval(xs, tail)
	return Num(lo), Num(hi)
}

func judgeDelta(d Param, ratio bool) string {
	if !d.Lo.Finite() || !d.Hi.Finite() {
		return differsNA
	}
	ref := 0.0
	if ratio {
		ref = 1
	}
	if float64(d.Lo) > ref || float64(d.Hi) < ref {
		return differsYes
	}
	return differsNo
}

// compareIsoFLOP builds the verdict, or nil when either activation lacks
// approach 2.
func compareIsoFLOP(s *IsoFLOP, a *Analysis, opts Options) *IsoFLOPVerdict {
	b2, c2 := s.A2(opts.Baseline), s.A2(opts.Candidate)
	if b2 == nil || c2 == nil || b2.Error != "" || c2.Error != "" || len(b2.draws) == 0 || len(c2.draws) == 0 {
		return nil
	}
	v := &IsoFLOPVerdict{Baseline: opts.Baseline, Candidate: opts.Candidate, Lead3: nanParam("lead_approach3")}
	tail := math.Min(float64(b2.Tail), float64(c2.Tail))
	n := min(len(b2.draws), len(c2.draws))
	cmp2 := func(name, method string, bp, cp Param, f func(a2Draw) float64, ratio bool) Comparison {
		xs := make([]float64, n)
		for i := 0; i < n; i++ {
			if ratio {
				xs[i] = f(c2.draws[i]) / f(b2.draws[i])
			} else {
				xs[i] = f(c2.draws[i]) - f(b2.draws[i])
			}
		}
		d := Param{Name: "delta"}
		if ratio {
			d.Value = cp.Value / bp.Value
		} else {
			d.Value = cp.Value - bp.Value
		}
		d.Lo, d.Hi = pairInterval(xs, tail)
		return Comparison{Name: name, Method: method, Baseline: bp, Candidate: cp, Delta: d, Ratio: ratio, Differs: judgeDelta(d, ratio)}
	}
	v.Exponents = append(v.Exponents,
		cmp2("a (N_opt ∝ C^a)", "approach 2", b2.A, c2.A, func(d a2Draw) float64 { return d.a }, false),
		cmp2("l (frontier L_opt ∝ C^−l)", "approach 2", b2.FrontierExp, c2.FrontierExp, func(d a2Draw) float64 { return d.l }, false))
	// tokens per parameter at each budget both profiles have a vertex at
	bi := map[Num]int{}
	for k, bf := range budgetsWithVertex(b2) {
		bi[bf.Budget] = k
	}
	for k, cf := range budgetsWithVertex(c2) {
		j, ok := bi[cf.Budget]
		if !ok {
			continue
		}
		bf := budgetsWithVertex(b2)[j]
		c := float64(cf.Budget)
		jj, kk := j, k
		xs := make([]float64, n)
		for i := 0; i < n; i++ {
			tb := c / (6 * math.Exp(2*b2.draws[i].lnN[jj]))
			tc := c / (6 * math.Exp(2*c2.draws[i].lnN[kk]))
			xs[i] = tc / tb
		}
		d := Param{Name: "delta", Value: cf.TokensPerParam.Value / bf.TokensPerParam.Value}
		d.Lo, d.Hi = pairInterval(xs, tail)
		v.Allocation = append(v.Allocation, Comparison{Name: fmt.Sprintf("D_opt/N_opt at C = %s", FormatNum(cf.Budget)), Method: "approach 2 (profile minimum)",
			Baseline: bf.TokensPerParam, Candidate: cf.TokensPerParam, Delta: d, Ratio: true, Differs: judgeDelta(d, true)})
	}
	// compute lead at equal loss on the approach-2 frontiers
	cmax := float64(s.Budgets[len(s.Budgets)-1])
	lref := b2.est.frontierLoss(cmax)
	v.RefLoss, v.RefCompute = Num(lref), Num(cmax)
	v.Lead = Param{Name: "lead", Value: Num(b2.est.frontierCompute(lref) / c2.est.frontierCompute(lref))}
	xs := make([]float64, n)
	for i := 0; i < n; i++ {
		xs[i] = b2.draws[i].frontierCompute(lref) / c2.draws[i].frontierCompute(lref)
	}
	v.Lead.Lo, v.Lead.Hi = pairInterval(xs, tail)

	// approach 3
	b3, c3 := s.A3(opts.Baseline), s.A3(opts.Candidate)
	if b3 != nil && c3 != nil && b3.fit.OK() && c3.fit.OK() && b3.fit.Boot != nil && c3.fit.Boot != nil {
		fb, fc := b3.fit, c3.fit
		m := min(len(fb.Boot.Draws), len(fc.Boot.Draws))
		t3 := math.Min(float64(fb.Tail), float64(fc.Tail))
		cmp3 := func(name string, bp, cp Param, f func(th []float64) float64, ratio bool) Comparison {
			xs := make([]float64, m)
			for i := 0; i < m; i++ {
				if ratio {
					xs[i] = f(fc.Boot.Draws[i]) / f(fb.Boot.Draws[i])
				} else {
					xs[i] = f(fc.Boot.Draws[i]) - f(fb.Boot.Draws[i])
				}
			}
			d := Param{Name: "delta"}
			if ratio {
				d.Value = Num(f(fc.est.Params) / f(fb.est.Params))
			} else {
				d.Value = Num(f(fc.est.Params) - f(fb.est.Params))
			}
			d.Lo, d.Hi = pairInterval(xs, t3)
			return Comparison{Name: name, Method: "approach 3", Baseline: bp, Candidate: cp, Delta: d, Ratio: ratio, Differs: judgeDelta(d, ratio)}
		}
		v.Exponents = append(v.Exponents,
			cmp3("a (N_opt ∝ C^a)", b3.A, c3.A, func(th []float64) float64 { return th[4] / (th[3] + th[4]) }, false),
			cmp3("α (A/N^α)", fb.Param("alpha"), fc.Param("alpha"), func(th []float64) float64 { return th[3] }, false),
			cmp3("β (B/D^β)", fb.Param("beta"), fc.Param("beta"), func(th []float64) float64 { return th[4] }, false))
		for k := range b3.Budgets {
			c := float64(b3.Budgets[k].Budget)
			v.Allocation = append(v.Allocation, cmp3(fmt.Sprintf("D_opt/N_opt at C = %s", FormatNum(Num(c))), b3.Budgets[k].TokensPerParam, c3.Budgets[k].TokensPerParam,
				func(th []float64) float64 { n, d, _ := chinchillaOptimum(th, c); return d / n }, true))
		}
		v.Lead3 = Param{Name: "lead_approach3", Value: Num(chinchillaFrontierCompute(fb.est.Params, lref) / chinchillaFrontierCompute(fc.est.Params, lref))}
		xs := make([]float64, m)
		for i := 0; i < m; i++ {
			xs[i] = chinchillaFrontierCompute(fb.Boot.Draws[i], lref) / chinchillaFrontierCompute(fc.Boot.Draws[i], lref)
		}
		v.Lead3.Lo, v.Lead3.Hi = pairInterval(xs, t3)
	}
	v.Summary = isoflopSummary(v)
	return v
}

// budgetsWithVertex lists the budgets of r whose profile has a minimum, in
// the order of r's draws.
func budgetsWithVertex(r *Approach2) []*BudgetFit {
	var out []*BudgetFit
	for _, bf := range r.Budgets {
		if bf.Error == "" {
			out = append(out, bf)
		}
	}
	return out
}

// isoflopSummary states the three answers in words.
func isoflopSummary(v *IsoFLOPVerdict) string {
	var w strings.Builder
	iv := func(p Param) string {
		return fmt.Sprintf("%s [%s, %s]", FormatNum(p.Value), FormatNum(p.Lo), FormatNum(p.Hi))
	}
	var differ, same []string
	for _, c := range v.Exponents {
		s := fmt.Sprintf("%s by %s: %s %s vs %s %s, difference %s", c.Name, c.Method, v.Candidate, iv(c.Candidate), v.Baseline, iv(c.Baseline), iv(c.Delta))
		if c.Differs == differsYes {
			differ = append(differ, s)
		} else {
			same = append(same, s)
		}
	}
	w.WriteString("Exponents: ")
	switch {
	case len(differ) == 0:
		w.WriteString("no difference is resolved (every interval of a difference includes 0): ")
	case len(same) == 0:
		w.WriteString("every exponent differs (every interval of a difference excludes 0): ")
	default:
		w.WriteString("some differ (interval of the difference excludes 0): " + strings.Join(differ, "; ") + ". The others do not resolve a difference: ")
		differ = nil
	}
	w.WriteString(strings.Join(append(differ, same...), "; ") + ". ")
	nd, na := 0, 0
	var lo, hi float64 = math.Inf(1), math.Inf(-1)
	for _, c := range v.Allocation {
		if c.Differs == differsYes {
			nd++
		}
		if c.Differs != differsNA {
			na++
		}
		if c.Delta.Value.Finite() {
			lo, hi = math.Min(lo, float64(c.Delta.Value)), math.Max(hi, float64(c.Delta.Value))
		}
	}
	fmt.Fprintf(&w, "Compute-optimal allocation: the ratio of %s's optimal tokens per parameter to %s's is %s to %s across the budgets and methods, and its interval excludes 1 in %d of %d comparisons",
		v.Candidate, v.Baseline, FormatNum(Num(lo)), FormatNum(Num(hi)), nd, na)
	if nd == 0 {
		w.WriteString(" (no difference in allocation is resolved)")
	}
	w.WriteString(". ")
	who, fac := v.Candidate, v.Lead
	if fac.Value.Finite() && float64(fac.Value) < 1 {
		who = v.Baseline
	}
	fmt.Fprintf(&w, "Compute lead at equal loss on each activation's own frontier (loss %s, %s's frontier at C = %s): %s needs %s× the compute of %s (approach 2, interval %s to %s",
		FormatNum(v.RefLoss), v.Baseline, FormatNum(v.RefCompute), v.Baseline, FormatNum(fac.Value), v.Candidate, FormatNum(fac.Lo), FormatNum(fac.Hi))
	if v.Lead3.Value.Finite() {
		fmt.Fprintf(&w, "; approach 3: %s×, interval %s to %s", FormatNum(v.Lead3.Value), FormatNum(v.Lead3.Lo), FormatNum(v.Lead3.Hi))
	}
	w.WriteString("); ")
	switch judgeDelta(fac, true) {
	case differsYes:
		fmt.Fprintf(&w, "the interval excludes 1, so %s leads.", who)
	case differsNo:
		w.WriteString("the interval includes 1, so neither activation's lead is resolved.")
	default:
		w.WriteString("no interval could be formed.")
	}
	return w.String()
}
