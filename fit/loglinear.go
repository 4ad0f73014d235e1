package fit

import (
	"context"
	"fmt"
	"math"
)

// LogLinear is the seed's law L = a·C^−b, fitted by ordinary least squares
// of log L on log C.
type LogLinear struct{}

// Name implements Form.
func (LogLinear) Name() string { return FormLogLinear }

// Law implements Form.
func (LogLinear) Law() string { return "L = a·C^−b" }

// ParamNames implements Form.
func (LogLinear) ParamNames() []string { return []string{"a", "b"} }

func (LogLinear) key(p Point) [2]float64 { return [2]float64{p.C, 0} }

// Predict implements Form.
func (LogLinear) Predict(th []float64, p Point) float64 { return th[0] * math.Pow(p.C, -th[1]) }

// Fit implements Form; warm is not needed (the fit is closed form).
func (f LogLinear) Fit(_ context.Context, pts []Point, _ []float64) (Estimate, error) {
	if err := needPoints(f, pts, 2); err != nil {
		return Estimate{}, err
	}
	n := float64(len(pts))
	var mx, my float64
	for _, p := range pts {
		mx += math.Log(p.C)
		my += math.Log(p.Loss)
	}
	mx /= n
	my /= n
	var sxx, sxy float64
	for _, p := range pts {
		dx := math.Log(p.C) - mx
		sxx += dx * dx
		sxy += dx * (math.Log(p.Loss) - my)
	}
	if sxx == 0 {
		return Estimate{}, fmt.Errorf("loglinear fit: every point has the same compute")
	}
	slope := sxy / sxx
	b := -slope
	la := my - slope*mx
	th := []float64{math.Exp(la), b}
	sse := 0.0
	for _, p := range pts {
		r := math.Log(p.Loss) - (la - b*math.Log(p.C))
		sse += r * r
	}
	if math.IsInf(th[0], 0) || math.IsNaN(th[0]) {
		return Estimate{}, fmt.Errorf("loglinear fit: prefactor a = exp(%g) overflows", la)
	}
	return Estimate{Params: th, Objective: sse}, nil
}
