package fit

import (
	"context"
	"fmt"
	"math"
)

// DefaultHuberDelta is the Huber threshold on log L residuals used by
// Hoffmann et al. 2022 and Besiroglu et al. 2024.
const DefaultHuberDelta = 1e-3

// StartGrid is the grid of L-BFGS starts for approach 3: every combination
// of the listed exponents and log-coefficients (a = log A, b = log B,
// e = log E) is one start.
type StartGrid struct {
	Alpha, Beta, LogA, LogB, LogE []float64
}

// HoffmannGrid is the grid of Hoffmann et al. 2022 (appendix D.2), also used
// by Besiroglu et al. 2024: α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1},
// a, b ∈ {0, 5, …, 25}; 4500 starts.
func HoffmannGrid() StartGrid {
	return StartGrid{
		Alpha: []float64{0, 0.5, 1, 1.5, 2},
		Beta:  []float64{0, 0.5, 1, 1.5, 2},
		LogE:  []float64{-1, -0.5, 0, 0.5, 1},
		LogA:  []float64{0, 5, 10, 15, 20, 25},
		LogB:  []float64{0, 5, 10, 15, 20, 25},
	}
}

func (g StartGrid) starts() [][]float64 {
	var out [][]float64
	for _, a := range g.LogA {
		for _, b := range g.LogB {
			for _, e := range g.LogE {
				for _, al := range g.Alpha {
					for _, be := range g.Beta {
						out = append(out, []float64{a, b, e, al, be})
					}
				}
			}
		}
	}
	return out
}

// Chinchilla is approach 3 of Hoffmann et al. 2022, L(N, D) = E + A/N^α +
// B/D^β, fitted in the log-sum-exp form log L = LSE(a − α log N,
// b − β log D, e) by minimising the sum (not the mean) of Huber losses of
// the log L residuals with L-BFGS from every start of Grid; the lowest
// final objective wins.
type Chinchilla struct {
	// Grid is the grid of starts; the zero value means HoffmannGrid.
	Grid *StartGrid
	// Delta is the Huber threshold; 0 means DefaultHuberDelta.
	Delta float64
	// Workers run starts in parallel; 0 means GOMAXPROCS.
	Workers int
}

// Name implements Form.
func (Chinchilla) Name() string { return FormChinchilla }

// Law implements Form.
func (Chinchilla) Law() string { return "L = E + A/N^α + B/D^β" }

// ParamNames implements Form.
func (Chinchilla) ParamNames() []string { return []string{"E", "A", "B", "alpha", "beta"} }

func (Chinchilla) key(p Point) [2]float64 { return [2]float64{p.N, p.D} }

// Predict implements Form.
func (Chinchilla) Predict(th []float64, p Point) float64 {
	return th[0] + th[1]*math.Pow(p.N, -th[3]) + th[2]*math.Pow(p.D, -th[4])
}

func huber(r, delta float64) (v, d float64) {
	if a := math.Abs(r); a <= delta {
		return 0.5 * r * r, r
	}
	if r > 0 {
		return delta * (r - 0.5*delta), delta
	}
	return delta * (-r - 0.5*delta), -delta
}

// Objective is approach 3's objective at internal parameters
// x = (a, b, e, α, β) on pts: the summed Huber loss of log L residuals.
func (c Chinchilla) Objective(x []float64, pts []Point) float64 {
	ln, ld, ll := c.logs(pts)
	return c.objective(ln, ld, ll)(x, nil)
}

func (c Chinchilla) delta() float64 {
	if c.Delta > 0 {
		return c.Delta
	}
	return DefaultHuberDelta
}

func (Chinchilla) logs(pts []Point) (ln, ld, ll []float64) {
	ln = make([]float64, len(pts))
	ld = make([]float64, len(pts))
	ll = make([]float64, len(pts))
	for i, p := range pts {
		ln[i], ld[i], ll[i] = math.Log(p.N), math.Log(p.D), math.Log(p.Loss)
	}
	return ln, ld, ll
}

func (c Chinchilla) objective(ln, ld, ll []float64) objective {
	delta := c.delta()
	return func(x, grad []float64) float64 {
		a, b, e, al, be := x[0], x[1], x[2], x[3], x[4]
		clear(grad)
		sum := 0.0
		for i := range ll {
			t1 := a - al*ln[i]
			t2 := b - be*ld[i]
			m := math.Max(t1, math.Max(t2, e))
			w1, w2, w3 := math.Exp(t1-m), math.Exp(t2-m), math.Exp(e-m)
			s := w1 + w2 + w3
			r := m + math.Log(s) - ll[i]
			v, d := huber(r, delta)
			sum += v
			if grad != nil {
				d /= s
				grad[0] += d * w1
				grad[1] += d * w2
				grad[2] += d * w3
				grad[3] -= d * w1 * ln[i]
				grad[4] -= d * w2 * ld[i]
			}
		}
		return sum
	}
}

// Fit implements Form. Every point needs N > 0 and D > 0.
func (c Chinchilla) Fit(ctx context.Context, pts []Point, warm []float64) (Estimate, error) {
	for _, p := range pts {
		if !p.hasND() {
			return Estimate{}, fmt.Errorf("chinchilla fit: point %s has no params/tokens (N=%v, D=%v)", p.Run, p.N, p.D)
		}
	}
	if err := needPoints(c, pts, 5); err != nil {
		return Estimate{}, err
	}
	obj := c.objective(c.logs(pts))
	var starts [][]float64
	if warm != nil {
		starts = [][]float64{{math.Log(warm[1]), math.Log(warm[2]), math.Log(warm[0]), warm[3], warm[4]}}
	} else {
		g := HoffmannGrid()
		if c.Grid != nil {
			g = *c.Grid
		}
		starts = g.starts()
	}
	results := make([]Estimate, len(starts))
	errs := make([]error, len(starts))
	err := forEachIndex(ctx, len(starts), c.Workers, func() func(int) {
		return func(i int) { results[i], errs[i] = minimize(obj, starts[i], 5000) }
	})
	if err != nil {
		return Estimate{}, fmt.Errorf("chinchilla fit: %w", err)
	}
	best := Estimate{Objective: math.Inf(1)}
	var lastErr error
	for i, r := range results {
		if errs[i] != nil {
			lastErr = errs[i]
			continue
		}
		if r.Objective < best.Objective {
			best = r
		}
	}
	if best.Params == nil {
		return Estimate{}, fmt.Errorf("chinchilla fit: every one of %d starts failed: %w", len(starts), lastErr)
	}
	x := best.Params
	return Estimate{Params: []float64{math.Exp(x[2]), math.Exp(x[0]), math.Exp(x[1]), x[3], x[4]}, Objective: best.Objective}, nil
}
