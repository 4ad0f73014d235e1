// Package fittest simulates scaling sweeps for the tests of the fits, the
// report and the commands that print a verdict: every loss comes from a
// known law plus noise, so a test can say which verdict the data support.
package fittest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/experiment"
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
	anchors := make([]float64, sizes)
	for i := range anchors {
		anchors[i] = 1e5 * math.Pow(100, float64(i)/float64(sizes-1))
	}
	return SweepSizes(rng, laws, anchors, []float64{3 * 1e5 * 100}, seeds)
}

// TinyAnchors and TinyHoldouts are the parameter counts N of the tiny
// grid's anchor and holdout models.
var (
	TinyAnchors  = []float64{1800, 3168, 4920, 7056, 9576}
	TinyHoldouts = []float64{27936}
)

// NaturalText mimics the tiny grid trained on natural English text (a few
// MB) rather than the built-in stories: the loss flattens towards an
// irreducible E = 3 nats within the grid, so the holdouts land 4–7% above
// what a log-linear fit to the anchors predicts. Use it with TinyAnchors,
// TinyHoldouts and two seeds.
var NaturalText = []Law{
	{Activation: "gelu", A: 112, B: 0.183, E: 3.0, Sigma: 0.008},
	{Activation: "swiglu", A: 105, B: 0.183, E: 3.0, Sigma: 0.008},
}

// SweepSizes is Sweep at the given anchor and holdout sizes N.
func SweepSizes(rng *rand.Rand, laws []Law, anchors, holdouts []float64, seeds int) []fit.Point {
	var pts []fit.Point
	sizes := append(append([]float64(nil), anchors...), holdouts...)
	for _, l := range laws {
		for i, n := range sizes {
			role := fit.RoleAnchor
			if i >= len(anchors) {
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

// WriteSweep writes pts as a finished sweep folder under dir, as the
// experiment package writes one: results.json with every run, and each
// run's own result.json.
func WriteSweep(t testing.TB, dir, grid string, pts []fit.Point) {
	t.Helper()
	rs := experiment.Results{Grid: grid, Command: "experiment -grid " + grid, Version: "test"}
	for _, p := range pts {
		r := experiment.Result{Name: p.Run, Activation: p.Activation, Role: p.Role, Seed: p.Seed, Params: int64(p.N),
			Tokens: int64(p.D), Compute: p.C, FinalLoss: p.Loss, BestLoss: p.Loss, Device: "cpu", Status: experiment.StatusFinished}
		for i, c := range p.Curve {
			r.Curve = append(r.Curve, experiment.CurvePoint{Step: i + 1, Tokens: int64(c.Tokens), ValLoss: c.ValLoss})
		}
		rs.Runs = append(rs.Runs, r)
		writeJSON(t, filepath.Join(dir, r.Name, "result.json"), r)
	}
	writeJSON(t, filepath.Join(dir, experiment.ResultsFile), rs)
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// Profile is one simulated activation on an IsoFLOP grid: at budget C its
// log loss is a parabola in ln N with its minimum at N_opt = KN·C^A and
// height ln(KL·C^−L), curvature Curv, plus normal noise Sigma on log L.
type Profile struct {
	Activation   string
	A, KN, L, KL float64
	Curv, Sigma  float64
}

// IsoFLOPSweep builds an IsoFLOP grid: for each budget, sizes spanning ×8
// around the 20-tokens-per-parameter point (seven a factor √2 apart), with
// D = C/6N, for each profile.
func IsoFLOPSweep(rng *rand.Rand, profiles []Profile, budgets []float64) []fit.Point {
	var pts []fit.Point
	for _, pr := range profiles {
		for _, c := range budgets {
			mid := math.Sqrt(c / 120)
			nopt := pr.KN * math.Pow(c, pr.A)
			for i := -3; i <= 3; i++ {
				n := mid * math.Pow(2, float64(i)/2)
				dx := math.Log(n / nopt)
				ll := math.Log(pr.KL) - pr.L*math.Log(c) + pr.Curv*dx*dx + pr.Sigma*rng.NormFloat64()
				pts = append(pts, fit.Point{Run: fmt.Sprintf("%s-%g-%d", pr.Activation, c, i), Activation: pr.Activation, Role: fit.RoleAnchor,
					N: n, D: c / (6 * n), C: c, Budget: c, Loss: math.Exp(ll)})
			}
		}
	}
	return pts
}
