package fit

import (
	"math"
	"math/rand/v2"
)

// truth is a known law used to draw synthetic points.
type truth struct {
	form   Form
	params []float64
}

var (
	truthLogLinear  = truth{LogLinear{}, []float64{30, 0.07}}
	truthSaturating = truth{Saturating{}, []float64{1.5, 400, 0.15}}
	// Besiroglu et al. 2024's estimates, as a realistic approach-3 truth.
	truthChinchilla = truth{Chinchilla{}, []float64{1.8172, 482.01, 2085.43, 0.3478, 0.3658}}
)

// synth draws n points of tr with log-normal noise of relative size sigma.
// Compute laws get C log-uniform in [1e15, 1e19]; approach 3 gets N
// log-uniform in [1e7, 1e9] and D/N log-uniform in [5, 200].
func synth(rng *rand.Rand, tr truth, n int, sigma float64) []Point {
	pts := make([]Point, n)
	for i := range pts {
		var p Point
		if tr.form.Name() == FormChinchilla {
			p.N = math.Pow(10, 7+2*rng.Float64())
			p.D = p.N * math.Pow(10, math.Log10(5)+math.Log10(40)*rng.Float64())
			p.C = 6 * p.N * p.D
		} else {
			// evenly spread sizes, jittered, as a sweep would be
			p.C = math.Pow(10, 15+4*(float64(i)+rng.Float64())/float64(n))
			p.N = math.Sqrt(p.C / 120)
			p.D = 20 * p.N
		}
		p.Loss = tr.form.Predict(tr.params, p) * math.Exp(sigma*rng.NormFloat64())
		p.Role = RoleAnchor
		p.Run = "synthetic"
		pts[i] = p
	}
	return pts
}
