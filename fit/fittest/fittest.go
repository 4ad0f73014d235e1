// Package fittest simulates scaling sweeps for the tests of the fits, the
// report and the commands that print a verdict: every loss comes from a
// known law plus noise, so a test can say which verdict the data support.
package fittest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/empirical-scaling/harness/fit"
)

// Law is one simulated activation: L = E + A·C^−B with log-normal noise of
// relative size Sigma (E = 0 gives the pure power law).
type Law struct {
	Activation string
	A, B       float64
	Sigma      float64
	// E is an irreducible loss the power law saturates at.
	E float64
	// HoldoutShift multiplies the holdouts' losses (0 means 1): 1.05 puts
	// them 5% above the law, as when a larger model leaves the regime the
	// anchors measured.
	HoldoutShift float64
}

// Loss is the law's noiseless loss at compute c.
func (l Law) Loss(c float64) float64 { return l.E + l.A*math.Pow(c, -l.B) }

// Sweep builds a Chinchilla-ratio sweep (D = 20·N) for each law: sizes
// anchor sizes spread evenly in log over two decades of N from 1e5, one
// holdout size 3× the largest anchor, seeds runs per size, each with a
// training curve. The noise is drawn from rng in a fixed order, so a seed
// gives the same sweep every time.
func Sweep(rng *rand.Rand, laws []Law, sizes, seeds int) []fit.Point {
	var pts []fit.Point
	for _, l := range laws {
		for i := 0; i <= sizes; i++ {
			n := 1e5 * math.Pow(100, float64(i)/float64(sizes-1))
			role := fit.RoleAnchor
			if i == sizes {
				n = 3 * 1e5 * 100
				role = fit.RoleHoldout
			}
			for s := 0; s < seeds; s++ {
				d := 20 * n
				c := 6 * n * d
				p := fit.Point{Run: fmt.Sprintf("%s-n%.0f-s%d", l.Activation, n, s), Activation: l.Activation, Role: role, Seed: s, N: n, D: d, C: c}
				p.Loss = l.Loss(c) * math.Exp(l.Sigma*rng.NormFloat64())
				if role == fit.RoleHoldout && l.HoldoutShift != 0 {
					p.Loss *= l.HoldoutShift
				}
				for k := 1; k <= 8; k++ {
					tok := d * float64(k) / 8
					p.Curve = append(p.Curve, fit.CurvePoint{Tokens: tok, ValLoss: p.Loss * (1 + 0.5*(1-float64(k)/8))})
				}
				pts = append(pts, p)
			}
		}
	}
	return pts
}
