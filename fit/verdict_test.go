package fit_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
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

// TestVerdictAnswersForItsEvidence runs the analysis on simulated sweeps
// whose truth is known and checks the law chosen, whether the headline is
// qualified and why, and the seed rule's answer beside ours.
func TestVerdictAnswersForItsEvidence(t *testing.T) {
	clean := []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.01}, {Activation: "swiglu", A: 38, B: 0.07, Sigma: 0.01}}
	saturating := []fittest.Law{{Activation: "gelu", A: 40, B: 0.1, E: 1.5, Sigma: 0.01}, {Activation: "swiglu", A: 38, B: 0.1, E: 1.5, Sigma: 0.01}}
	jump := []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.01, HoldoutShift: 1.08}, {Activation: "swiglu", A: 38, B: 0.07, Sigma: 0.01, HoldoutShift: 1.08}}
	cases := []struct {
		name       string
		laws       []fittest.Law
		law        string
		qualifiers []string
		headline   []string
		seed       string // the seed rule's decision
		seedLaw    string
	}{
		{"clean power law", clean, fit.FormLogLinear, nil,
			[]string{"(swiglu vs gelu, log-linear law) — the log-linear law predicts 4 of 4 holdouts"}, fit.DecisionOffset, fit.SeedLawGood},
		{"saturating law", saturating, fit.FormSaturating, []string{fit.QualifierLawSwitched},
			[]string{"saturating law) — the saturating law predicts 4 of 4 holdouts", "chosen because the log-linear law misses 4 of 4 holdouts", "curve upward"}, fit.DecisionOffset, fit.SeedLawPoor},
		{"holdouts jump off the law", jump, fit.FormLogLinear, []string{fit.QualifierHoldoutsMissed},
			[]string{"log-linear law) — but the log-linear law misses 4 of 4 holdouts", "no fitted law predicts them clearly better"}, fit.DecisionOffset, fit.SeedLawPoor},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pts := fittest.Sweep(rand.New(rand.NewPCG(1, 7)), tc.laws, 5, 2)
			a, err := fit.Analyze(context.Background(), pts, fit.Options{Forms: []string{fit.FormLogLinear, fit.FormSaturating}, Boot: fit.BootOptions{Resamples: 200}})
			require.NoError(t, err)
			v := a.Verdict
			require.NotNil(t, v)
			assert.Equal(t, tc.law, a.LawChoice.Chosen, a.LawChoice.Reason)
			assert.Equal(t, tc.law, v.Form)
			assert.Equal(t, tc.qualifiers, v.Qualifiers, v.Headline)
			assert.Equal(t, len(tc.qualifiers) > 0, v.Qualified)
			for _, h := range tc.headline {
				assert.Contains(t, v.Headline, h)
			}
			assert.True(t, strings.HasPrefix(v.Headline, v.Decision+" ("), v.Headline)
			require.NotNil(t, v.Evidence)
			assert.Equal(t, fit.CheckHoldout, v.Evidence.Check)
			assert.Equal(t, 4, v.Evidence.Predictions)

			// Every law's verdict is listed beside the chosen one.
			require.Len(t, a.LawChoice.Laws, 2)
			for _, l := range a.LawChoice.Laws {
				assert.NotEmpty(t, l.Decision, l.Form)
			}

			s := v.SeedRule
			require.NotNil(t, s)
			assert.Equal(t, tc.seed, s.Decision, s.Summary)
			assert.Equal(t, tc.seedLaw, s.Law, s.Summary)
			assert.Equal(t, s.Decision == v.Decision && s.Why == "", s.Agrees)
			if !s.Agrees {
				assert.True(t, strings.HasPrefix(s.Why, "Ours differs because "), s.Why)
			}
		})
	}
}

// TestCleanPowerLawsStayUnqualified bounds the false alarms: on sweeps drawn
// from a pure power law the verdict's headline is rarely qualified.
func TestCleanPowerLawsStayUnqualified(t *testing.T) {
	laws := []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.01}, {Activation: "swiglu", A: 38, B: 0.07, Sigma: 0.01}}
	const sweeps = 20
	qualified := 0
	for s := uint64(1); s <= sweeps; s++ {
		pts := fittest.Sweep(rand.New(rand.NewPCG(s, 7)), laws, 5, 2)
		a, err := fit.Analyze(context.Background(), pts, fit.Options{Forms: []string{fit.FormLogLinear, fit.FormSaturating}, Boot: fit.BootOptions{Resamples: 100}})
		require.NoError(t, err)
		if a.Verdict.Qualified {
			qualified++
			t.Logf("sweep %d: %s", s, a.Verdict.Headline)
		}
	}
	assert.LessOrEqual(t, qualified, 3, "qualified verdicts on %d clean sweeps", sweeps)
}

func TestLawChoiceWithoutHoldoutsLeavesOneSizeOut(t *testing.T) {
	laws := []fittest.Law{{Activation: "gelu", A: 40, B: 0.1, E: 1.5, Sigma: 0.002}, {Activation: "swiglu", A: 38, B: 0.1, E: 1.5, Sigma: 0.002}}
	pts := fittest.Sweep(rand.New(rand.NewPCG(3, 7)), laws, 6, 1)
	var anchors []fit.Point
	for _, p := range pts {
		if p.Role == fit.RoleAnchor {
			anchors = append(anchors, p)
		}
	}
	a, err := fit.Analyze(context.Background(), anchors, fit.Options{Forms: []string{fit.FormLogLinear, fit.FormSaturating}, Boot: fit.BootOptions{Resamples: 100}})
	require.NoError(t, err)
	ch := a.LawChoice
	require.NotNil(t, ch)
	for _, l := range ch.Laws {
		assert.Equal(t, fit.CheckLeaveOneSizeOut, l.Check)
		assert.Equal(t, 12, l.Predictions, "each of 6 sizes left out once, for 2 activations")
	}
	ll, sat := ch.Law(fit.FormLogLinear), ch.Law(fit.FormSaturating)
	require.NotEmpty(t, ll.Curvature)
	assert.True(t, ll.Curvature[0].Curved, "a saturating law's log-log residuals curve")
	assert.Equal(t, "upward", ll.Curvature[0].Direction)
	assert.Less(t, float64(sat.RMSErrPct), float64(ll.RMSErrPct)/2)
	assert.Equal(t, fit.FormSaturating, ch.Chosen, ch.Reason)
	assert.Contains(t, a.Verdict.Headline, "no holdout was run")
	assert.False(t, a.Verdict.SeedRule.MaxAbsErrPct.Finite(), "no holdout: the seed rule has no holdout error")
	assert.Equal(t, fit.SeedLawUnchecked, a.Verdict.SeedRule.Law)
}

func TestForcedLawIsQualifiedWhenTheDataSupportAnother(t *testing.T) {
	laws := []fittest.Law{{Activation: "gelu", A: 40, B: 0.1, E: 1.5, Sigma: 0.01}, {Activation: "swiglu", A: 38, B: 0.1, E: 1.5, Sigma: 0.01}}
	pts := fittest.Sweep(rand.New(rand.NewPCG(1, 7)), laws, 5, 2)
	a, err := fit.Analyze(context.Background(), pts, fit.Options{VerdictForm: fit.FormLogLinear, Boot: fit.BootOptions{Resamples: 200}})
	require.NoError(t, err)
	v := a.Verdict
	assert.Equal(t, fit.FormLogLinear, v.Form)
	assert.Equal(t, fit.FormSaturating, a.LawChoice.Supported)
	assert.Contains(t, v.Qualifiers, fit.QualifierUnsupportedLaw)
	assert.Contains(t, v.Headline, "the data support the saturating law")
	assert.Contains(t, a.LawChoice.Reason, "because the options ask for it")
}

func TestVerdictFormMustBeKnown(t *testing.T) {
	pts := fittest.Sweep(rand.New(rand.NewPCG(1, 7)), []fittest.Law{{Activation: "gelu", A: 40, B: 0.07, Sigma: 0.01}}, 5, 1)
	_, err := fit.Analyze(context.Background(), pts, fit.Options{VerdictForm: "cubic"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "auto")
}
