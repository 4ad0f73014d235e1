package fit

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// sweepLaw is a synthetic activation: L = a·C^−b with log-normal noise.
type sweepLaw struct {
	act   string
	a, b  float64
	sigma float64
}

// synthSweep builds a Chinchilla-ratio sweep (D = 20·N): sizes anchors
// spread over two decades of N, a holdout 3× the largest anchor, seeds
// seeds per size, with training curves.
func synthSweep(rng *rand.Rand, laws []sweepLaw, sizes, seeds int) []Point {
	var pts []Point
	for _, l := range laws {
		for i := 0; i <= sizes; i++ {
			n := 1e5 * math.Pow(100, float64(i)/float64(sizes-1))
			role := RoleAnchor
			if i == sizes {
				n = 3 * 1e5 * 100
				role = RoleHoldout
			}
			for s := 0; s < seeds; s++ {
				d := 20 * n
				c := 6 * n * d
				p := Point{Run: fmt.Sprintf("%s-n%.0f-s%d", l.act, n, s), Activation: l.act, Role: role, Seed: s, N: n, D: d, C: c}
				p.Loss = l.a * math.Pow(c, -l.b) * math.Exp(l.sigma*rng.NormFloat64())
				for k := 1; k <= 8; k++ {
					tok := d * float64(k) / 8
					p.Curve = append(p.Curve, CurvePoint{Tokens: tok, ValLoss: p.Loss * (1 + 0.5*(1-float64(k)/8))})
				}
				pts = append(pts, p)
			}
		}
	}
	return pts
}
