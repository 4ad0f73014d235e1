package fit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCurvatureTest(t *testing.T) {
	pointsOf := func(loss func(x float64) float64, n int, noise float64) []Point {
		rng := rand.New(rand.NewPCG(4, 4))
		var pts []Point
		for i := 0; i < n; i++ {
			x := float64(i) / float64(n-1) * 4 // log10 C from 15 to 19
			c := math.Pow(10, 15+x)
			pts = append(pts, Point{C: c, Loss: loss(x) * math.Exp(noise*rng.NormFloat64()), Role: RoleAnchor})
		}
		return pts
	}
	power := func(x float64) float64 { return 30 * math.Pow(10, -0.07*(15+x)) }
	cases := []struct {
		name      string
		pts       []Point
		curved    bool
		direction string
	}{
		{"power law", pointsOf(power, 10, 0.005), false, ""},
		{"saturating", pointsOf(func(x float64) float64 { return 1.5 + 400*math.Pow(10, -0.15*(15+x)) }, 10, 0.002), true, "upward"},
		{"steepening", pointsOf(func(x float64) float64 { return power(x) * math.Exp(-0.02*x*x) }, 10, 0.002), true, "downward"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cv := testCurvature("gelu", tc.pts, 0.05)
			require.NotNil(t, cv)
			assert.Equal(t, tc.curved, cv.Curved, "t = %v, p = %v", cv.T, cv.P)
			if tc.curved {
				assert.Equal(t, tc.direction, cv.Direction)
				assert.Less(t, float64(cv.P), 0.05)
			}
		})
	}
	assert.Nil(t, testCurvature("gelu", pointsOf(power, 3, 0), 0.05), "three points leave no degree of freedom")
	exact := testCurvature("gelu", pointsOf(power, 6, 0), 0.05)
	require.NotNil(t, exact)
	assert.False(t, exact.Curved, "an exact power law has no curvature")
}

func TestMissesBeyondChance(t *testing.T) {
	assert.InDelta(t, 0.185494, binomialTail(4, 1, 0.05), 1e-6)
	assert.InDelta(t, 0.014019, binomialTail(4, 2, 0.05), 1e-6)
	assert.InDelta(t, 1, binomialTail(4, 0, 0.05), 1e-12)
	cases := []struct {
		missed, of int
		want       bool
	}{
		{0, 4, false}, {1, 1, true}, {1, 2, false}, {2, 2, true}, {1, 4, false}, {2, 4, true}, {2, 8, false}, {3, 8, true},
	}
	for _, tc := range cases {
		c := &LawCheck{Check: CheckHoldout, Predictions: tc.of, Inside: tc.of - tc.missed}
		assert.Equal(t, tc.want, c.MissesBeyondChance(), "%d of %d", tc.missed, tc.of)
	}
	loso := &LawCheck{Check: CheckLeaveOneSizeOut, Predictions: 5}
	assert.False(t, loso.MissesBeyondChance(), "leaving sizes out has no intervals to miss")
}

func TestRunIntervalAddsTheRunNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	pts := synth(rng, truthLogLinear, 10, 0.02)
	r, err := FitForm(t.Context(), LogLinear{}, pts, "gelu", BootOptions{Resamples: 200, Seed: 1})
	require.NoError(t, err)
	h := Point{Run: "h", Activation: "gelu", Role: RoleHoldout, C: 3e19}
	h.Loss = truthLogLinear.form.Predict(truthLogLinear.params, h) * 1.03
	pr := r.PredictWithInterval(h)
	assert.Less(t, float64(pr.RunLo), float64(pr.Lo))
	assert.Greater(t, float64(pr.RunHi), float64(pr.Hi))
	assert.False(t, pr.Inside, "3%% off is outside the law's own interval")
	assert.True(t, pr.RunInside, "but inside that of a run with 2%% noise")
}
