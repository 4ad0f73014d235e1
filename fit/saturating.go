package fit

import (
	"context"
	"fmt"
	"math"
)

// Saturating is the law L = E + a·C^−b with an irreducible loss E kept in
// 0 < E < min L. It is fitted by least squares on log L with L-BFGS, with E
// written as min L·σ(u) so that the constraint always holds, and log C
// centred on the points' geometric mean for conditioning.
type Saturating struct{}

// Name implements Form.
func (Saturating) Name() string { return FormSaturating }

// Law implements Form.
func (Saturating) Law() string { return "L = E + a·C^−b" }

// ParamNames implements Form.
func (Saturating) ParamNames() []string { return []string{"E", "a", "b"} }

func (Saturating) key(p Point) [2]float64 { return [2]float64{p.C, 0} }

// Predict implements Form.
func (Saturating) Predict(th []float64, p Point) float64 {
	return th[0] + th[1]*math.Pow(p.C, -th[2])
}

func sigmoid(u float64) float64 { return 1 / (1 + math.Exp(-u)) }

// Fit implements Form.
func (f Saturating) Fit(_ context.Context, pts []Point, warm []float64) (Estimate, error) {
	if err := needPoints(f, pts, 3); err != nil {
		return Estimate{}, err
	}
	m := minLoss(pts)
	lcref := math.Log(geoMeanC(pts))
	ts := make([]float64, len(pts))
	ys := make([]float64, len(pts))
	for i, p := range pts {
		ts[i] = math.Log(p.C) - lcref
		ys[i] = math.Log(p.Loss)
	}
	obj := func(x, grad []float64) float64 {
		u, la, b := x[0], x[1], x[2]
		s := sigmoid(u)
		e := m * s
		de := m * s * (1 - s)
		if grad != nil {
			grad[0], grad[1], grad[2] = 0, 0, 0
		}
		sum := 0.0
		for i, t := range ts {
			g := math.Exp(la - b*t)
			pred := e + g
			r := ys[i] - math.Log(pred)
			sum += r * r
			if grad != nil {
				k := -2 * r / pred
				grad[0] += k * de
				grad[1] += k * g
				grad[2] += k * (-t * g)
			}
		}
		return sum
	}
	var starts [][]float64
	if warm != nil {
		frac := math.Min(math.Max(warm[0]/m, 1e-3), 1-1e-3)
		starts = append(starts, []float64{math.Log(frac / (1 - frac)), math.Log(warm[1]) - warm[2]*lcref, warm[2]})
	} else {
		for _, b := range []float64{0.02, 0.05, 0.1, 0.2, 0.4, 0.8} {
			for _, frac := range []float64{0.05, 0.3, 0.6, 0.9} {
				e := frac * m
				la := 0.0
				for i, p := range pts {
					la += math.Log(p.Loss-e) + b*ts[i]
				}
				la /= float64(len(pts))
				starts = append(starts, []float64{math.Log(frac / (1 - frac)), la, b})
			}
		}
	}
	best := Estimate{Objective: math.Inf(1)}
	var lastErr error
	for _, x0 := range starts {
		est, err := minimize(obj, x0, 2000)
		if err != nil {
			lastErr = err
			continue
		}
		if est.Objective < best.Objective {
			best = est
		}
	}
	if best.Params == nil {
		return Estimate{}, fmt.Errorf("saturating fit: every start failed: %w", lastErr)
	}
	x := best.Params
	th := []float64{m * sigmoid(x[0]), math.Exp(x[1] + x[2]*lcref), x[2]}
	if math.IsInf(th[1], 0) || math.IsNaN(th[1]) {
		return Estimate{}, fmt.Errorf("saturating fit: prefactor a overflows (b = %g)", x[2])
	}
	return Estimate{Params: th, Objective: best.Objective}, nil
}
