package fit

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"
)

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
