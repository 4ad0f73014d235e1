package fit

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParabolaFindsKnownMinimum(t *testing.T) {
	cases := []struct {
		name       string
		x0, l0, k  float64
		xs         []float64
		wantVertex bool
	}{
		{"centred", math.Log(1e6), math.Log(3.2), 0.04, []float64{13, 13.5, 13.8, 14, 14.3, 14.6}, true},
		{"off centre", math.Log(3e4), math.Log(2.5), 0.1, []float64{9, 9.5, 10, 10.5, 11, 11.5, 12}, true},
		{"minimum beyond the sizes", 16, 1, 0.05, []float64{10, 11, 12, 13}, true},
		{"opens downward", 12, 1, -0.05, []float64{10, 11, 12, 13, 14}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ys := make([]float64, len(tc.xs))
			for i, x := range tc.xs {
				ys[i] = tc.l0 + tc.k*(x-tc.x0)*(x-tc.x0)
			}
			p, err := FitParabola(tc.xs, ys)
			require.NoError(t, err)
			if !tc.wantVertex {
				assert.True(t, math.IsNaN(p.Vertex()))
				return
			}
			assert.InDelta(t, tc.x0, p.Vertex(), 1e-8)
			assert.InDelta(t, tc.l0, p.At(p.Vertex()), 1e-10)
			assert.InDelta(t, tc.k, p.C2, 1e-10)
		})
	}
	_, err := FitParabola([]float64{1, 1, 2}, []float64{1, 2, 3})
	require.Error(t, err, "two distinct x cannot determine a parabola")
	_, err = FitParabola([]float64{1, 2}, []float64{1, 2})
	require.Error(t, err)
}

// a2Truth is an IsoFLOP world whose profiles are exact parabolas of log L
// in ln N: N_opt = kn·C^a, L_opt = kl·C^−l, curvature k.
type a2Truth struct {
	a, kn, l, kl, k float64
}

func (tr a2Truth) nOpt(c float64) float64 { return tr.kn * math.Pow(c, tr.a) }

// isoflopDesign returns, for each budget, sizes spanning ×8 around the
// 20-tokens-per-parameter point (seven a factor √2 apart), as the grids do.
func isoflopDesign(budgets []float64) [][]float64 {
	var out [][]float64
	for _, c := range budgets {
		mid := math.Sqrt(c / 120)
		var ns []float64
		for i := -3; i <= 3; i++ {
			ns = append(ns, mid*math.Pow(2, float64(i)/2))
		}
		out = append(out, ns)
	}
	return out
}

var a2Budgets = []float64{1e9, 3e9, 1e10, 3e10}

// simA2 draws one IsoFLOP data set from tr with log-normal noise sigma.
func simA2(rng *rand.Rand, tr a2Truth, act string, sigma float64) []Point {
	var pts []Point
	for j, ns := range isoflopDesign(a2Budgets) {
		c := a2Budgets[j]
		for _, n := range ns {
			dx := math.Log(n) - math.Log(tr.nOpt(c))
			ll := math.Log(tr.kl) - tr.l*math.Log(c) + tr.k*dx*dx + sigma*rng.NormFloat64()
			pts = append(pts, Point{Run: fmt.Sprintf("%s-%g-%g", act, c, n), Activation: act, Role: RoleAnchor,
				N: n, D: c / (6 * n), C: c, Budget: c, Loss: math.Exp(ll)})
		}
	}
	return pts
}

// a2World has its optimum near, not on, the grid's 20:1 centre:
// N_opt = 1.3·sqrt(C/120) at C = 1e10, a = 0.55.
var a2World = a2Truth{a: 0.55, kn: 1.3 * math.Sqrt(1e10/120) / math.Pow(1e10, 0.55), l: 0.05, kl: 12, k: 0.03}

func TestApproach2RecoversKnownExponent(t *testing.T) {
	for _, sigma := range []float64{0, 0.003} {
		t.Run(fmt.Sprintf("sigma %g", sigma), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			r, err := FitApproach2(context.Background(), simA2(rng, a2World, "gelu", sigma), "gelu", BootOptions{Resamples: 200, Seed: 3}, 1)
			require.NoError(t, err)
			require.Empty(t, r.Error)
			tol := 1e-9
			if sigma > 0 {
				tol = 0.05
			}
			assert.InDelta(t, a2World.a, float64(r.A.Value), tol)
			assert.InDelta(t, 1-a2World.a, float64(r.B.Value), tol)
			assert.InDelta(t, a2World.l, float64(r.FrontierExp.Value), tol/5+1e-9)
			for _, bf := range r.Budgets {
				c := float64(bf.Budget)
				assert.InEpsilon(t, a2World.nOpt(c), float64(bf.NOpt.Value), tol*4+1e-9, "N_opt at %g", c)
				assert.InEpsilon(t, c/(6*a2World.nOpt(c)*a2World.nOpt(c)), float64(bf.TokensPerParam.Value), tol*8+1e-9)
				assert.True(t, bf.Inside)
			}
			if sigma > 0 {
				assert.Less(t, float64(r.A.Lo), float64(r.A.Value))
				assert.Greater(t, float64(r.A.Hi), float64(r.A.Value))
				assert.Greater(t, r.BootUsed, 190)
			}
		})
	}
}

// TestApproach2IntervalsCoverTheTruth checks that the 95% intervals of a,
// of N_opt at each budget and of the frontier exponent cover the truth in
// at least 90% of simulated IsoFLOP data sets (200 with
// FIT_COVERAGE_FULL=1).
func TestApproach2IntervalsCoverTheTruth(t *testing.T) {
	sets := coverageSets(100)
	hits := map[string]int{}
	for s := 0; s < sets; s++ {
		rng := rand.New(rand.NewPCG(77, uint64(s)))
		r, err := FitApproach2(context.Background(), simA2(rng, a2World, "gelu", 0.004), "gelu", BootOptions{Resamples: 300, Seed: uint64(s + 1)}, 1)
		require.NoError(t, err)
		require.Empty(t, r.Error)
		in := func(p Param, v float64) bool { return float64(p.Lo) <= v && v <= float64(p.Hi) }
		if in(r.A, a2World.a) {
			hits["a"]++
		}
		if in(r.FrontierExp, a2World.l) {
			hits["l"]++
		}
		for _, bf := range r.Budgets {
			if in(bf.NOpt, a2World.nOpt(float64(bf.Budget))) {
				hits[fmt.Sprintf("N_opt(%g)", float64(bf.Budget))]++
			}
		}
	}
	for _, name := range []string{"a", "l", "N_opt(1e+09)", "N_opt(3e+09)", "N_opt(1e+10)", "N_opt(3e+10)"} {
		frac := float64(hits[name]) / float64(sets)
		t.Logf("approach 2 %s: 95%% interval covers the truth in %d of %d sets (%.1f%%)", name, hits[name], sets, 100*frac)
		assert.GreaterOrEqual(t, frac, 0.88, "coverage of %s", name)
	}
}

// simA3 draws IsoFLOP data from an approach-3 law.
func simA3(rng *rand.Rand, th []float64, budgets []float64, sigma float64) []Point {
	var pts []Point
	for j, ns := range isoflopDesign(budgets) {
		c := budgets[j]
		for _, n := range ns {
			p := Point{Run: fmt.Sprintf("r%g-%g", c, n), Activation: "gelu", Role: RoleAnchor, N: n, D: c / (6 * n), C: c, Budget: c}
			p.Loss = Chinchilla{}.Predict(th, p) * math.Exp(sigma*rng.NormFloat64())
			pts = append(pts, p)
		}
	}
	return pts
}

var chinchillaBudgets = []float64{1e18, 1e19, 1e20, 1e21, 1e22}

func TestApproach3OnIsoFLOPGridRecoversLaw(t *testing.T) {
	small := SmallGrid()
	th := truthChinchilla.params
	for _, sigma := range []float64{0, 0.003} {
		t.Run(fmt.Sprintf("sigma %g", sigma), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 10))
			pts := simA3(rng, th, chinchillaBudgets, sigma)
			assert.Empty(t, chinchillaUnidentifiable(pts), "an IsoFLOP grid identifies approach 3")
			f, err := FitForm(context.Background(), Chinchilla{Grid: &small}, pts, "gelu", BootOptions{Resamples: 100, Seed: 1})
			require.NoError(t, err)
			require.True(t, f.OK(), f.Error)
			tol := []float64{1e-3, 2e-2, 2e-2, 2e-3, 2e-3}
			if sigma > 0 {
				tol = []float64{0.03, 0.5, 0.8, 0.08, 0.08}
			}
			for j, name := range f.form.ParamNames() {
				assert.InEpsilon(t, th[j], float64(f.Params[j].Value), tol[j], name)
			}
			a3 := deriveApproach3(f, chinchillaBudgets)
			wantA := th[4] / (th[3] + th[4])
			assert.InDelta(t, wantA, float64(a3.A.Value), 3*tol[3])
			assert.InDelta(t, 1-wantA, float64(a3.B.Value), 3*tol[3])
			// Approach 2 on the same runs finds about the same allocation:
			// the profile is nearly a parabola over ×8 in N.
			r2, err := FitApproach2(context.Background(), pts, "gelu", BootOptions{Resamples: 100, Seed: 2}, 1)
			require.NoError(t, err)
			require.Empty(t, r2.Error)
			assert.InDelta(t, wantA, float64(r2.A.Value), 0.03)
			for k, bf := range r2.Budgets {
				n, _, _ := chinchillaOptimum(th, float64(bf.Budget))
				assert.InEpsilon(t, n, float64(bf.NOpt.Value), 0.15, "approach 2 N_opt at %g", float64(bf.Budget))
				assert.InEpsilon(t, n, float64(a3.Budgets[k].NOpt.Value), 0.15+tol[0]*10, "approach 3 N_opt at %g", float64(bf.Budget))
			}
		})
	}
}

func TestChinchillaOptimumIsTheConstrainedMinimum(t *testing.T) {
	th := truthChinchilla.params
	for _, c := range []float64{1e18, 1e21} {
		n, d, l := chinchillaOptimum(th, c)
		assert.InEpsilon(t, c, 6*n*d, 1e-12)
		for _, f := range []float64{0.9, 1.1} {
			_, _, l2 := 0.0, 0.0, Chinchilla{}.Predict(th, Point{N: n * f, D: c / (6 * n * f)})
			assert.Greater(t, l2, l, "a size %g× the optimum at C=%g has a higher loss", f, c)
		}
		assert.InEpsilon(t, c, chinchillaFrontierCompute(th, l), 1e-6, "frontier inversion")
	}
	assert.True(t, math.IsNaN(chinchillaFrontierCompute(th, th[0])), "no compute reaches E")
}

// TestApproach3IsoFLOPCoverage checks the approach-3 intervals on IsoFLOP
// designs (small count in CI, 200 with FIT_COVERAGE_FULL=1).
func TestApproach3IsoFLOPCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	tiny := StartGrid{Alpha: []float64{0.3, 0.6}, Beta: []float64{0.3, 0.6}, LogE: []float64{0, 1}, LogA: []float64{4, 8}, LogB: []float64{4, 8}}
	th := truthChinchilla.params
	sets := coverageSets(16)
	names := Chinchilla{}.ParamNames()
	hits := make([]int, len(names)+1)
	for s := 0; s < sets; s++ {
		rng := rand.New(rand.NewPCG(31, uint64(s)))
		pts := simA3(rng, th, chinchillaBudgets, 0.005)
		f, err := FitForm(context.Background(), Chinchilla{Grid: &tiny}, pts, "gelu", BootOptions{Resamples: 100, Seed: uint64(s + 1)})
		require.NoError(t, err)
		require.True(t, f.OK(), f.Error)
		for j := range names {
			if float64(f.Params[j].Lo) <= th[j] && th[j] <= float64(f.Params[j].Hi) {
				hits[j]++
			}
		}
		a3 := deriveApproach3(f, chinchillaBudgets)
		if wa := th[4] / (th[3] + th[4]); float64(a3.A.Lo) <= wa && wa <= float64(a3.A.Hi) {
			hits[len(names)]++
		}
	}
	for j, name := range append(names, "a") {
		frac := float64(hits[j]) / float64(sets)
		t.Logf("approach 3 on IsoFLOP data %s: covers the truth in %d of %d sets (%.1f%%)", name, hits[j], sets, 100*frac)
		assert.GreaterOrEqual(t, frac, 0.8, "coverage of %s", name)
	}
}

func TestIsoFLOPVerdictTellsAllocationsApart(t *testing.T) {
	// swiglu's optimum has twice gelu's N at every budget (a quarter of its
	// tokens per parameter), the same exponent a, and a frontier 5% lower.
	sw := a2World
	sw.kn *= 2
	sw.kl *= 0.95
	rng := rand.New(rand.NewPCG(12, 13))
	pts := append(simA2(rng, a2World, "gelu", 0.002), simA2(rng, sw, "swiglu", 0.002)...)
	tiny := StartGrid{Alpha: []float64{0.3, 0.6}, Beta: []float64{0.3, 0.6}, LogE: []float64{-1, 0, 1}, LogA: []float64{2, 6}, LogB: []float64{2, 6}}
	a, err := Analyze(context.Background(), pts, Options{Forms: []string{FormLogLinear, FormChinchilla}, Boot: BootOptions{Resamples: 200}, ChinchillaGrid: &tiny})
	require.NoError(t, err)
	require.NotNil(t, a.IsoFLOP)
	require.Nil(t, a.Verdict, "the fixed-ratio verdict does not apply")
	assert.Contains(t, a.Activation("gelu").Fit(FormLogLinear).Error, "skipped")
	v := a.IsoFLOP.Verdict
	require.NotNil(t, v)
	require.NotEmpty(t, v.Exponents)
	da := v.Exponents[0]
	assert.Equal(t, "approach 2", da.Method)
	assert.Equal(t, differsNo, da.Differs, "equal a: %+v", da.Delta)
	for _, c := range v.Allocation {
		if c.Method != "approach 2 (profile minimum)" {
			continue
		}
		assert.Equal(t, differsYes, c.Differs, c.Name)
		assert.InEpsilon(t, 0.25, float64(c.Delta.Value), 0.3, c.Name)
		assert.True(t, float64(c.Delta.Lo) <= 0.25 && 0.25 <= float64(c.Delta.Hi), "%s: interval %v", c.Name, c.Delta)
	}
	// at equal loss, gelu needs (1/0.95)^(1/l) times swiglu's compute
	want := math.Pow(1/0.95, 1/a2World.l)
	assert.InEpsilon(t, want, float64(v.Lead.Value), 0.15)
	assert.Equal(t, differsYes, judgeDelta(v.Lead, true))
	assert.Contains(t, v.Summary, "swiglu leads")
}
