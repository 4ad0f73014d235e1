package fit

import (
	"context"
	"fmt"
	"math"
	"sort"

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
