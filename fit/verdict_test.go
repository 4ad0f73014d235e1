package fit_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/fittest"
)

func TestAnalyzeVerdicts(t *testing.T) {
	cases := []struct {
		name  string
		laws  []fittest.Law
		sizes int
		seeds int
		want  string
		why   string
	}{
		{"exponent shift", []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.002}, {Activation: "swiglu", A: 80, B: 0.09, Sigma: 0.002}}, 8, 1, fit.DecisionShift, "falls faster"},
		{"constant offset", []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.001}, {Activation: "swiglu", A: 38, B: 0.07, Sigma: 0.001}}, 8, 2, fit.DecisionOffset, "excludes 1"},
		{"inconclusive: wide interval", []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.03}, {Activation: "swiglu", A: 38, B: 0.07, Sigma: 0.03}}, 6, 1, fit.DecisionInconclusive, "reaches beyond"},
		{"inconclusive: too few runs", []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.002}, {Activation: "swiglu", A: 80, B: 0.09, Sigma: 0.002}}, 4, 1, fit.DecisionInconclusive, "cannot bound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pts := fittest.Sweep(rand.New(rand.NewPCG(5, 6)), tc.laws, tc.sizes, tc.seeds)
			a, err := fit.Analyze(context.Background(), pts, fit.Options{Forms: []string{fit.FormLogLinear}, Boot: fit.BootOptions{Resamples: 300}})
			require.NoError(t, err)
			require.NotNil(t, a.Verdict)
			assert.Equal(t, tc.want, a.Verdict.Decision, a.Verdict.Summary)
			assert.Contains(t, a.Verdict.Summary, "95% interval")
			assert.Contains(t, a.Verdict.Summary, tc.why)
		})
	}
}

func TestAnalyzeFitsAndPredicts(t *testing.T) {
	pts := fittest.Sweep(rand.New(rand.NewPCG(1, 1)), []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.005}, {Activation: "swiglu", A: 38, B: 0.072, Sigma: 0.005}}, 5, 1)
	a, err := fit.Analyze(context.Background(), pts, fit.Options{Boot: fit.BootOptions{Resamples: 200}})
	require.NoError(t, err)

	ge := a.Activation("gelu")
	require.NotNil(t, ge)
	assert.Equal(t, 5, ge.Anchors)
	assert.Equal(t, 1, ge.Holdouts)
	assert.True(t, ge.Fit(fit.FormLogLinear).OK())
	assert.True(t, ge.Fit(fit.FormSaturating).OK())
	ch := ge.Fit(fit.FormChinchilla)
	require.NotNil(t, ch)
	assert.Contains(t, ch.Error, "not identifiable", "a fixed D/N sweep cannot fit approach 3")
	require.NotEmpty(t, ge.Predictions)
	pr := ge.Predictions[0]
	assert.Less(t, math.Abs(float64(pr.ErrPct)), 5.0, "holdout error of a noisy power law")
	assert.LessOrEqual(t, float64(pr.Lo), float64(pr.Predicted))
	assert.GreaterOrEqual(t, float64(pr.Hi), float64(pr.Predicted))
}

func TestAnalyzeHonoursCancellation(t *testing.T) {
	pts := fittest.Sweep(rand.New(rand.NewPCG(1, 1)), []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.005}}, 5, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := fit.Analyze(ctx, pts, fit.Options{Forms: []string{fit.FormSaturating}})
	require.ErrorIs(t, err, context.Canceled)
}
