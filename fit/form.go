package fit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat/distuv"
)

// Names of the fitted laws, as accepted by FormByName and `analyze -form`.
const (
	FormLogLinear  = "loglinear"
	FormSaturating = "saturating"
	FormChinchilla = "chinchilla"
)

// Estimate is one fitted parameter vector (in the order of ParamNames) with
// the final value of the objective the fit minimised.
type Estimate struct {
	Params    []float64
	Objective float64
}

// Form is one law that can be fitted to points and used to predict them.
type Form interface {
	// Name is the form's name (FormLogLinear, ...).
	Name() string
	// Law is the law in words, e.g. "L = a·C^−b".
	Law() string
	// ParamNames names the parameters in the order of Estimate.Params.
	ParamNames() []string
	// Fit fits the law to pts. A non-nil warm (a previous Params) is used as
	// the starting point instead of the form's own grid of starts.
	Fit(ctx context.Context, pts []Point, warm []float64) (Estimate, error)
	// Predict is the law's loss at p under params.
	Predict(params []float64, p Point) float64
	// key identifies a point's position on the law's input axis; fits
	// need enough distinct keys.
	key(p Point) [2]float64
}

// FormByName returns the form with its default settings.
func FormByName(name string) (Form, error) {
	switch name {
	case FormLogLinear:
		return LogLinear{}, nil
	case FormSaturating:
		return Saturating{}, nil
	case FormChinchilla:
		return Chinchilla{}, nil
	}
	return nil, fmt.Errorf("unknown form %q: want %s, %s or %s", name, FormLogLinear, FormSaturating, FormChinchilla)
}

// distinct counts the distinct input positions of pts under f.
func distinct(f Form, pts []Point) int {
	seen := make(map[[2]float64]struct{}, len(pts))
	for _, p := range pts {
		seen[f.key(p)] = struct{}{}
	}
	return len(seen)
}

// needPoints checks that pts has at least k distinct positions for f.
func needPoints(f Form, pts []Point, k int) error {
	if d := distinct(f, pts); d < k {
		return fmt.Errorf("%s fit: too few points: need at least %d distinct sizes, have %d", f.Name(), k, d)
	}
	return nil
}

// minLoss is the smallest loss among pts.
func minLoss(pts []Point) float64 {
	m := math.Inf(1)
	for _, p := range pts {
		m = math.Min(m, p.Loss)
	}
	return m
}

// geoMeanC is the geometric mean compute of pts, used to centre log C.
func geoMeanC(pts []Point) float64 {
	s := 0.0
	for _, p := range pts {
		s += math.Log(p.C)
	}
	return math.Exp(s / float64(len(pts)))
}

// percentile returns the q-quantile (0..1) of sorted xs by linear
// interpolation, NaN when xs is empty.
func percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if n == 1 {
		return sorted[0]
	}
	pos := q * float64(n-1)
	lo := int(math.Floor(pos))
	if lo >= n-1 {
		return sorted[n-1]
	}
	frac := pos - float64(lo)
	return sorted[lo]*(1-frac) + sorted[lo+1]*frac
}

// expandedTail is the lower tail probability of the expanded percentile
// interval (Hesterberg 2015, "What teachers should know about the
// bootstrap") for a nominal 95% interval from n points and a p-parameter
// law: Φ(−sqrt(n/(n−p))·t_{0.975, n−p}). Plain percentile intervals are too
// narrow for small n (they use a z quantile and a variance biased low by
// (n−p)/n); the expansion corrects both. It tends to 0.025 as n grows and
// is 0 (the full range of the draws) when n ≤ p.
func expandedTail(n, p int) float64 {
	df := n - p
	if df < 1 {
		return 0
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.975)
	return distuv.UnitNormal.CDF(-math.Sqrt(float64(n)/float64(df)) * t)
}

// interval returns the interval between the tail and 1−tail quantiles of
// the finite xs (tail 0.025 gives the central 95% percentile interval).
func interval(xs []float64, tail float64) (lo, hi float64) {
	s := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s = append(s, x)
		}
	}
	sort.Float64s(s)
	return percentile(s, tail), percentile(s, 1-tail)
}

// objective is a smooth function with its gradient written into grad.
type objective func(x, grad []float64) float64

// minimize runs gonum's L-BFGS on obj from x0 with tight tolerances. Like
// Besiroglu et al. 2024 it does not stop early on a small objective: the
// function-change test is absolute and tiny, and the gradient test is near
// zero. A line search that cannot improve further ends the run without an
// error as long as the best point found is finite.
func minimize(obj objective, x0 []float64, maxIter int) (Estimate, error) {
	p := optimize.Problem{
		Func: func(x []float64) float64 { return obj(x, nil) },
		Grad: func(grad, x []float64) { obj(x, grad) },
	}
	settings := &optimize.Settings{
		GradientThreshold: 1e-12,
		MajorIterations:   maxIter,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-13, Iterations: 30},
	}
	res, err := optimize.Minimize(p, x0, settings, &optimize.LBFGS{Store: 20})
	if res == nil {
		if err == nil {
			err = errors.New("no result")
		}
		return Estimate{}, fmt.Errorf("l-bfgs: %w", err)
	}
	if math.IsNaN(res.F) || math.IsInf(res.F, 0) {
		return Estimate{}, fmt.Errorf("l-bfgs: objective is %v at the end", res.F)
	}
	for _, v := range res.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Estimate{}, fmt.Errorf("l-bfgs: parameter is %v at the end", v)
		}
	}
	return Estimate{Params: append([]float64(nil), res.X...), Objective: res.F}, nil
}
