package fit

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFitsRecoverTheirLaw(t *testing.T) {
	small := SmallGrid()
	cases := []struct {
		name  string
		tr    truth
		form  Form
		n     int
		sigma float64
		tol   []float64 // relative tolerance per parameter
	}{
		{"loglinear exact", truthLogLinear, LogLinear{}, 8, 0, []float64{1e-9, 1e-9}},
		{"loglinear noisy", truthLogLinear, LogLinear{}, 24, 0.01, []float64{0.5, 0.1}},
		{"saturating exact", truthSaturating, Saturating{}, 12, 0, []float64{1e-4, 1e-3, 1e-4}},
		{"saturating noisy", truthSaturating, Saturating{}, 24, 0.003, []float64{0.05, 0.6, 0.1}},
		{"chinchilla exact", truthChinchilla, Chinchilla{Grid: &small}, 40, 0, []float64{1e-3, 1e-2, 1e-2, 1e-3, 1e-3}},
		{"chinchilla noisy", truthChinchilla, Chinchilla{Grid: &small}, 60, 0.005, []float64{0.05, 0.5, 0.5, 0.1, 0.1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 11))
			pts := synth(rng, tc.tr, tc.n, tc.sigma)
			est, err := tc.form.Fit(context.Background(), pts, nil)
			require.NoError(t, err)
			for j, name := range tc.form.ParamNames() {
				assert.InEpsilon(t, tc.tr.params[j], est.Params[j], tc.tol[j], "parameter %s", name)
			}
		})
	}
}

func TestFitsRefuseTooFewPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range []Form{LogLinear{}, Saturating{}, Chinchilla{}} {
		t.Run(f.Name(), func(t *testing.T) {
			tr := truthLogLinear
			if f.Name() == FormChinchilla {
				tr = truthChinchilla
			}
			pts := synth(rng, tr, len(f.ParamNames())-1, 0)
			_, err := f.Fit(context.Background(), pts, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "too few points")
			assert.Contains(t, err.Error(), f.Name())
		})
	}
}

func TestBootstrapIsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pts := synth(rng, truthSaturating, 10, 0.01)
	est, err := Saturating{}.Fit(context.Background(), pts, nil)
	require.NoError(t, err)
	run := func(workers int) *BootResult {
		b, err := Bootstrap(context.Background(), Saturating{}, pts, est, BootOptions{Resamples: 50, Seed: 9, Workers: workers})
		require.NoError(t, err)
		return b
	}
	a, b := run(1), run(4)
	assert.Equal(t, a.Draws, b.Draws)
	assert.Equal(t, SchemeRuns, a.Scheme)
	c, err := Bootstrap(context.Background(), Saturating{}, pts, est, BootOptions{Resamples: 50, Seed: 10})
	require.NoError(t, err)
	assert.NotEqual(t, a.Draws, c.Draws, "another seed must give other draws")
}

func TestBootstrapSchemes(t *testing.T) {
	one := []Point{{N: 1, D: 20, C: 120, Loss: 3}, {N: 2, D: 40, C: 480, Loss: 2.5}, {N: 4, D: 80, C: 1920, Loss: 2.2}}
	s, _ := chooseScheme(one)
	assert.Equal(t, SchemeRuns, s, "one seed per size")
	two := append(append([]Point(nil), one...), one...)
	s, groups := chooseScheme(two)
	assert.Equal(t, SchemeSeedsWithinSizes, s, "two seeds per size")
	assert.Len(t, groups, 3)
	uneven := append(append([]Point(nil), two...), Point{N: 8, D: 160, C: 7680, Loss: 2})
	s, _ = chooseScheme(uneven)
	assert.Equal(t, SchemeRuns, s, "a size with one seed")
}

func TestBootstrapGuardsDegenerateResamples(t *testing.T) {
	// Two distinct sizes: a loglinear resample needs both, so degenerate
	// draws (one size only) must be redrawn, never fitted.
	pts := []Point{{C: 1e15, Loss: 4}, {C: 1e17, Loss: 3}}
	est, err := LogLinear{}.Fit(context.Background(), pts, nil)
	require.NoError(t, err)
	b, err := Bootstrap(context.Background(), LogLinear{}, pts, est, BootOptions{Resamples: 100, Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, 100, b.Used)
	assert.Positive(t, b.Redrawn)
	for _, d := range b.Draws {
		assert.InDelta(t, est.Params[1], d[1], 1e-9)
	}
}

func TestDropHighest(t *testing.T) {
	pts := []Point{{Run: "a", Loss: 3}, {Run: "b", Loss: 5}, {Run: "c", Loss: 1}, {Run: "d", Loss: 5}}
	got, err := DropHighest(pts, 2)
	require.NoError(t, err)
	assert.Equal(t, []Point{{Run: "a", Loss: 3}, {Run: "c", Loss: 1}}, got)
	_, err = DropHighest(pts, 4)
	assert.Error(t, err)
}

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
