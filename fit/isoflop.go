package fit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// IsoFLOP analysis (Chinchilla approaches 2 and 3 on an IsoFLOP grid: runs
// of several sizes N at each of several compute budgets C, D = C/6N).
//
// Approach 2: for each budget and activation, log L is fitted by a
// parabola in ln N; its vertex is the budget's compute-optimal size
// N_opt(C) and loss L_opt(C). Lines through ln N_opt and ln D_opt against
// ln C give N_opt ∝ C^a and D_opt ∝ C^b (b = 1 − a, since D = C/6N), and a
// line through ln L_opt gives the activation's frontier L_opt ∝ C^−l.
//
// Uncertainty comes from a residual bootstrap: the residuals of every
// parabola of an activation, each divided by sqrt(1 − leverage) and
// centred, are pooled, and each resample adds residuals drawn from the
// pool to every parabola's fitted values, refits every parabola and then
// the lines. Resampling residuals rather than runs keeps every size of
// every budget in each resample, which a profile of five to seven runs
// needs for its vertex to stay defined.

// ParabolaFit is log L = C0 + C1·x + C2·x², x = ln N, fitted by least
// squares, with its vertex.
type ParabolaFit struct {
	C0, C1, C2 float64
}

// Vertex is the x of the parabola's minimum (NaN when it opens downward
// or is flat).
func (p ParabolaFit) Vertex() float64 {
	if !(p.C2 > 0) {
		return math.NaN()
	}
	return -p.C1 / (2 * p.C2)
}

// At is the parabola at x.
func (p ParabolaFit) At(x float64) float64 { return p.C0 + p.C1*x + p.C2*x*x }

// parabolaDesign holds what a least-squares parabola on fixed xs needs:
// the centred xs and the inverse of the normal matrix.
type parabolaDesign struct {
	xm  float64
	t   []float64
	inv [3][3]float64
}

func newParabolaDesign(xs []float64) (*parabolaDesign, error) {
	if len(xs) < 3 {
		return nil, fmt.Errorf("parabola: %d points: need at least 3", len(xs))
	}
	d := &parabolaDesign{t: make([]float64, len(xs))}
	for _, x := range xs {
		d.xm += x
	}
	d.xm /= float64(len(xs))
	var m [3][3]float64
	for i, x := range xs {
		t := x - d.xm
		d.t[i] = t
		v := [3]float64{1, t, t * t}
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				m[r][c] += v[r] * v[c]
			}
		}
	}
	inv, ok := invert3(m)
	if !ok {
		return nil, errors.New("parabola: the sizes do not determine a parabola (fewer than 3 distinct N)")
	}
	d.inv = inv
	return d, nil
}

// fit returns the parabola through ys in the original x.
func (d *parabolaDesign) fit(ys []float64) ParabolaFit {
	var b [3]float64
	for i, t := range d.t {
		b[0] += ys[i]
		b[1] += ys[i] * t
		b[2] += ys[i] * t * t
	}
	var c [3]float64
	for r := 0; r < 3; r++ {
		for k := 0; k < 3; k++ {
			c[r] += d.inv[r][k] * b[k]
		}
	}
	// expand c0 + c1 (x − m) + c2 (x − m)²
	m := d.xm
	return ParabolaFit{C0: c[0] - c[1]*m + c[2]*m*m, C1: c[1] - 2*c[2]*m, C2: c[2]}
}

// leverage is the i-th diagonal element of the hat matrix.
func (d *parabolaDesign) leverage(i int) float64 {
	v := [3]float64{1, d.t[i], d.t[i] * d.t[i]}
	h := 0.0
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			h += v[r] * d.inv[r][c] * v[c]
		}
	}
	return h
}

func invert3(m [3][3]float64) ([3][3]float64, bool) {
	var inv [3][3]float64
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	scale := 0.0
	for r := range m {
		for c := range m[r] {
			scale = math.Max(scale, math.Abs(m[r][c]))
		}
	}
	if scale == 0 || math.Abs(det) < 1e-12*scale*scale*scale {
		return inv, false
	}
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			r1, r2 := (c+1)%3, (c+2)%3
			c1, c2 := (r+1)%3, (r+2)%3
			inv[r][c] = (m[r1][c1]*m[r2][c2] - m[r1][c2]*m[r2][c1]) / det
		}
	}
	return inv, true
}

// FitParabola fits log-loss ys against xs = ln N by least squares.
func FitParabola(xs, ys []float64) (ParabolaFit, error) {
	if len(xs) != len(ys) {
		return ParabolaFit{}, fmt.Errorf("parabola: %d xs and %d ys", len(xs), len(ys))
	}
	d, err := newParabolaDesign(xs)
	if err != nil {
		return ParabolaFit{}, err
	}
	return d.fit(ys), nil
}

// lineFit is y = c0 + c1·x by ordinary least squares.
func lineFit(xs, ys []float64) (c0, c1 float64) {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= n
	my /= n
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	c1 = sxy / sxx
	return my - c1*mx, c1
}

// BudgetFit is one activation's IsoFLOP profile at one budget: the
// parabola of log L in ln N and its vertex, each with a 95% interval.
type BudgetFit struct {
	Budget Num `json:"budget"`
	Runs   int `json:"runs"`
	// Parabola is log L = c0 + c1·ln N + c2·(ln N)².
	Parabola [3]Num `json:"parabola"`
	// NOpt, DOpt and LossOpt are the vertex: the compute-optimal size,
	// its tokens C/(6·N_opt) and the parabola's loss there.
	NOpt    Param `json:"n_opt"`
	DOpt    Param `json:"d_opt"`
	LossOpt Param `json:"loss_opt"`
	// TokensPerParam is D_opt/N_opt = C/(6·N_opt²).
	TokensPerParam Param `json:"tokens_per_param"`
	// Inside says whether the vertex lies within the sizes trained; a
	// vertex outside extrapolates the profile.
	Inside bool `json:"inside"`
	// NMin and NMax are the smallest and largest size trained.
	NMin Num `json:"n_min"`
	NMax Num `json:"n_max"`
	// Error says why the profile has no minimum (too few sizes, a
	// parabola that opens downward).
	Error string `json:"error,omitempty"`
}

// Approach2 is one activation's approach-2 result.
type Approach2 struct {
	Activation string       `json:"activation"`
	Budgets    []*BudgetFit `json:"budgets"`
	// A and B are the exponents of N_opt ∝ C^a and D_opt ∝ C^b; KN and KD
	// their prefactors (N_opt = KN·C^a).
	A  Param `json:"a"`
	B  Param `json:"b"`
	KN Param `json:"k_n"`
	KD Param `json:"k_d"`
	// FrontierExp is l in L_opt ∝ C^−l, the loss of the activation's own
	// compute-optimal runs against compute; FrontierK its prefactor.
	FrontierExp Param `json:"frontier_exponent"`
	FrontierK   Param `json:"frontier_k"`
	// Boot counts the bootstrap resamples (failed: a parabola of the
	// resample opened downward).
	BootUsed   int `json:"bootstrap_used"`
	BootFailed int `json:"bootstrap_failed"`
	// ResidualSD is the standard deviation of the parabolas' log-loss
	// residuals (pooled, with their degrees of freedom).
	ResidualSD Num `json:"residual_sd"`
	// Tail is the lower tail probability of the 95% intervals:
	// Φ(−t₀.₉₇₅ with the residuals' degrees of freedom), which widens the
	// percentile interval for the few residuals of a small grid as a t
	// interval widens a normal one.
	Tail  Num    `json:"interval_tail"`
	Error string `json:"error,omitempty"`

	est   a2Draw
	draws []a2Draw
}

// a2Draw is one bootstrap resample of approach 2 (and index 0 the fit
// itself, kept apart in Approach2.fit).
type a2Draw struct {
	a, kn, l, kl float64
	lnN          []float64 // ln N_opt per budget
	lnL          []float64 // ln L_opt per budget
}

// frontierLoss is the frontier's loss at compute c.
func (d a2Draw) frontierLoss(c float64) float64 { return d.kl * math.Pow(c, -d.l) }

// frontierCompute inverts the frontier: the compute at which it reaches l.
func (d a2Draw) frontierCompute(loss float64) float64 {
	return math.Pow(d.kl/loss, 1/d.l)
}

// budgetsOf groups pts by budget (ascending).
func budgetsOf(pts []Point) ([]float64, map[float64][]Point) {
	by := map[float64][]Point{}
	var cs []float64
	for _, p := range pts {
		if _, ok := by[p.Budget]; !ok {
			cs = append(cs, p.Budget)
		}
		by[p.Budget] = append(by[p.Budget], p)
	}
	sort.Float64s(cs)
	return cs, by
}

// minA2Budgets is the fewest budgets with a vertex approach 2 needs for
// its lines.
const minA2Budgets = 3

// FitApproach2 fits approach 2 to one activation's IsoFLOP runs (every
// point needs Budget > 0, N > 0) and bootstraps it with seed-stream key.
// A budget whose parabola fails is reported in its BudgetFit and left out
// of the lines; fewer than three budgets with a vertex leave the lines
// unfitted (Error says why). Only ctx's cancellation is returned as an
// error.
func FitApproach2(ctx context.Context, pts []Point, activation string, boot BootOptions, key uint64) (*Approach2, error) {
	boot = boot.withDefaults()
	r := &Approach2{Activation: activation, Tail: nan, A: nanParam("a"), B: nanParam("b"), KN: nanParam("k_n"), KD: nanParam("k_d"),
		FrontierExp: nanParam("frontier_exponent"), FrontierK: nanParam("frontier_k"), ResidualSD: nan}
	cs, by := budgetsOf(pts)
	type prof struct {
		bf  *BudgetFit
		d   *parabolaDesign
		ys  []float64
		fit []float64
	}
	var profs []prof
	var pool []float64
	dof := 0
	ss := 0.0
	for _, c := range cs {
		bp := by[c]
		bf := &BudgetFit{Budget: Num(c), Runs: len(bp), NOpt: nanParam("n_opt"), DOpt: nanParam("d_opt"), LossOpt: nanParam("loss_opt"),
			TokensPerParam: nanParam("tokens_per_param"), NMin: Num(math.Inf(1)), NMax: Num(math.Inf(-1))}
		r.Budgets = append(r.Budgets, bf)
		xs, ys := make([]float64, len(bp)), make([]float64, len(bp))
		for i, p := range bp {
			xs[i], ys[i] = math.Log(p.N), math.Log(p.Loss)
			bf.NMin, bf.NMax = Num(math.Min(float64(bf.NMin), p.N)), Num(math.Max(float64(bf.NMax), p.N))
		}
		d, err := newParabolaDesign(xs)
		if err != nil {
			bf.Error = err.Error()
			continue
		}
		pf := d.fit(ys)
		bf.Parabola = [3]Num{Num(pf.C0), Num(pf.C1), Num(pf.C2)}
		fitted := make([]float64, len(ys))
		for i, x := range xs {
			fitted[i] = pf.At(x)
			res := ys[i] - fitted[i]
			ss += res * res
			if h := d.leverage(i); h < 1-1e-9 {
				pool = append(pool, res/math.Sqrt(1-h))
			}
		}
		dof += len(ys) - 3
		x0 := pf.Vertex()
		if math.IsNaN(x0) {
			bf.Error = "the parabola opens downward: the profile has no minimum within reach (the sizes may all lie on one side of the optimum, or the losses are noise)"
			continue
		}
		bf.NOpt.Value = Num(math.Exp(x0))
		bf.DOpt.Value = Num(c / (6 * math.Exp(x0)))
		bf.LossOpt.Value = Num(math.Exp(pf.At(x0)))
		bf.TokensPerParam.Value = bf.DOpt.Value / bf.NOpt.Value
		bf.Inside = math.Exp(x0) >= float64(bf.NMin) && math.Exp(x0) <= float64(bf.NMax)
		profs = append(profs, prof{bf: bf, d: d, ys: ys, fit: fitted})
	}
	if dof > 0 {
		r.ResidualSD = Num(math.Sqrt(ss / float64(dof)))
	}
	if len(profs) < minA2Budgets {
		r.Error = fmt.Sprintf("%d budgets with a minimum: the lines N_opt ∝ C^a need at least %d", len(profs), minA2Budgets)
		return r, nil
	}
	lines := func(vertex func(k int) (lnN, lnL float64, ok bool)) (a2Draw, bool) {
		dr := a2Draw{lnN: make([]float64, len(profs)), lnL: make([]float64, len(profs))}
		lc := make([]float64, len(profs))
		for k := range profs {
			n, l, ok := vertex(k)
			if !ok {
				return dr, false
			}
			dr.lnN[k], dr.lnL[k], lc[k] = n, l, math.Log(float64(profs[k].bf.Budget))
		}
		c0, c1 := lineFit(lc, dr.lnN)
		dr.a, dr.kn = c1, math.Exp(c0)
		l0, l1 := lineFit(lc, dr.lnL)
		dr.l, dr.kl = -l1, math.Exp(l0)
		return dr, true
	}
	est, _ := lines(func(k int) (float64, float64, bool) {
		bf := profs[k].bf
		return math.Log(float64(bf.NOpt.Value)), math.Log(float64(bf.LossOpt.Value)), true
	})
	// centre the pooled residuals
	mean := 0.0
	for _, e := range pool {
		mean += e
	}
	mean /= float64(len(pool))
	for i := range pool {
		pool[i] -= mean
	}
	draws := make([]a2Draw, boot.Resamples)
	ok := make([]bool, boot.Resamples)
	err := forEachIndex(ctx, boot.Resamples, boot.Workers, func() func(int) {
		ys := make([][]float64, len(profs))
		for k := range profs {
			ys[k] = make([]float64, len(profs[k].ys))
		}
		return func(i int) {
			rng := rand.New(rand.NewPCG(boot.Seed^key, uint64(i)))
			pfs := make([]ParabolaFit, len(profs))
			for k, p := range profs {
				for j := range p.fit {
					ys[k][j] = p.fit[j] + pool[rng.IntN(len(pool))]
				}
				pfs[k] = p.d.fit(ys[k])
			}
			draws[i], ok[i] = lines(func(k int) (float64, float64, bool) {
				x0 := pfs[k].Vertex()
				return x0, pfs[k].At(x0), !math.IsNaN(x0)
			})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("approach 2 of %s: %w", activation, err)
	}
	for i := range draws {
		if ok[i] {
			r.draws = append(r.draws, draws[i])
		}
	}
	r.BootUsed, r.BootFailed = len(r.draws), boot.Resamples-len(r.draws)
	tail := residualTail(dof)
	r.Tail = Num(tail)
	col := func(f func(a2Draw) float64) (lo, hi Num) {
		xs := make([]float64, len(r.draws))
		for i, d := range r.draws {
			xs[i] = f(d)
		}
		l, h := interval(xs, tail)
		return Num(l), Num(h)
	}
	set := func(p *Param, f func(a2Draw) float64) {
		p.Value = Num(f(est))
		p.Lo, p.Hi = col(f)
	}
	set(&r.A, func(d a2Draw) float64 { return d.a })
	set(&r.B, func(d a2Draw) float64 { return 1 - d.a })
	set(&r.KN, func(d a2Draw) float64 { return d.kn })
	set(&r.KD, func(d a2Draw) float64 { return 1 / (6 * d.kn) })
	set(&r.FrontierExp, func(d a2Draw) float64 { return d.l })
	set(&r.FrontierK, func(d a2Draw) float64 { return d.kl })
	for k, p := range profs {
		c := float64(p.bf.Budget)
		set(&p.bf.NOpt, func(d a2Draw) float64 { return math.Exp(d.lnN[k]) })
		set(&p.bf.DOpt, func(d a2Draw) float64 { return c / (6 * math.Exp(d.lnN[k])) })
		set(&p.bf.LossOpt, func(d a2Draw) float64 { return math.Exp(d.lnL[k]) })
		set(&p.bf.TokensPerParam, func(d a2Draw) float64 { return c / (6 * math.Exp(2*d.lnN[k])) })
	}
	r.est = est
	return r, nil
}

// residualTail is the tail probability of a 95% interval whose spread
// comes from residuals with dof degrees of freedom: Φ(−t_{0.975, dof}).
// The leverage-adjusted residuals already correct the variance for the
// fitted parameters, so only the t quantile remains.
func residualTail(dof int) float64 {
	if dof < 1 {
		return 0
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Quantile(0.975)
	return distuv.UnitNormal.CDF(-t)
}

func nanParam(name string) Param { return Param{Name: name, Value: nan, Lo: nan, Hi: nan} }
