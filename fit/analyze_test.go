package fit

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnalyzeVerdicts(t *testing.T) {
	cases := []struct {
		name  string
		laws  []sweepLaw
		sizes int
		seeds int
		want  string
		why   string
	}{
		{"exponent shift", []sweepLaw{{"gelu", 40, 0.07, 0.002}, {"swiglu", 80, 0.09, 0.002}}, 8, 1, DecisionShift, "falls faster"},
		{"constant offset", []sweepLaw{{"gelu", 40, 0.07, 0.001}, {"swiglu", 38, 0.07, 0.001}}, 8, 2, DecisionOffset, "excludes 1"},
		{"inconclusive: wide interval", []sweepLaw{{"gelu", 40, 0.07, 0.03}, {"swiglu", 38, 0.07, 0.03}}, 6, 1, DecisionInconclusive, "reaches beyond"},
		{"inconclusive: too few runs", []sweepLaw{{"gelu", 40, 0.07, 0.002}, {"swiglu", 80, 0.09, 0.002}}, 4, 1, DecisionInconclusive, "cannot bound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pts := synthSweep(rand.New(rand.NewPCG(5, 6)), tc.laws, tc.sizes, tc.seeds)
			a, err := Analyze(context.Background(), pts, Options{Forms: []string{FormLogLinear}, Boot: BootOptions{Resamples: 300}})
			require.NoError(t, err)
			require.NotNil(t, a.Verdict)
			assert.Equal(t, tc.want, a.Verdict.Decision, a.Verdict.Summary)
			assert.Contains(t, a.Verdict.Summary, "95% interval")
			assert.Contains(t, a.Verdict.Summary, tc.why)
		})
	}
}

func TestAnalyzeWritesEveryOutput(t *testing.T) {
	pts := synthSweep(rand.New(rand.NewPCG(1, 1)), []sweepLaw{{"gelu", 40, 0.07, 0.005}, {"swiglu", 38, 0.072, 0.005}}, 5, 1)
	a, err := Analyze(context.Background(), pts, Options{Boot: BootOptions{Resamples: 200}})
	require.NoError(t, err)

	ge := a.Activation("gelu")
	require.NotNil(t, ge)
	assert.Equal(t, 5, ge.Anchors)
	assert.Equal(t, 1, ge.Holdouts)
	assert.True(t, ge.Fit(FormLogLinear).OK())
	assert.True(t, ge.Fit(FormSaturating).OK())
	ch := ge.Fit(FormChinchilla)
	require.NotNil(t, ch)
	assert.Contains(t, ch.Error, "not identifiable", "a fixed D/N sweep cannot fit approach 3")
	require.NotEmpty(t, ge.Predictions)
	pr := ge.Predictions[0]
	assert.Less(t, abs(float64(pr.ErrPct)), 5.0, "holdout error of a noisy power law")
	assert.LessOrEqual(t, float64(pr.Lo), float64(pr.Predicted))
	assert.GreaterOrEqual(t, float64(pr.Hi), float64(pr.Predicted))

	dir := filepath.Join(t.TempDir(), "out")
	meta := Meta{Command: "analyze -results X", GoVersion: "go-test", ModuleVersion: "test", Date: "2026-01-01"}
	require.NoError(t, a.Write(dir, meta))
	for _, f := range []string{FileAnalysis, FileScalingPN, FileScalingSV, FileCurves, FileResiduals, FileReportMD, FileReportHTM} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Positive(t, st.Size(), f)
	}
	md, err := os.ReadFile(filepath.Join(dir, FileReportMD))
	require.NoError(t, err)
	assert.Contains(t, string(md), a.Verdict.Decision)
	assert.Contains(t, string(md), "analyze -results X")
	html, err := os.ReadFile(filepath.Join(dir, FileReportHTM))
	require.NoError(t, err)
	assert.Contains(t, string(html), "<svg")
	assert.Contains(t, string(html), "data:image/png;base64,")
	assert.NotContains(t, string(html), `src="scaling`, "self-contained")

	var back struct {
		Meta     Meta `json:"meta"`
		Analysis struct {
			Activations []struct {
				Fits []struct {
					Form   string `json:"form"`
					Params []Param
				} `json:"fits"`
			} `json:"activations"`
			Verdict Verdict `json:"verdict"`
		} `json:"analysis"`
	}
	js, err := os.ReadFile(filepath.Join(dir, FileAnalysis))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, meta, back.Meta)
	assert.Equal(t, a.Verdict.DeltaB, back.Analysis.Verdict.DeltaB)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestAnalyzeSaysWhenTooFewPoints(t *testing.T) {
	cases := []struct {
		name string
		pts  []Point
		want string
	}{
		{"none", nil, "too few points"},
		{"one anchor", []Point{{Run: "r", Activation: "gelu", Role: RoleAnchor, N: 1, D: 20, C: 120, Loss: 3}}, "too few points"},
		{"only holdouts", []Point{{Run: "h", Activation: "gelu", Role: RoleHoldout, N: 1, D: 20, C: 120, Loss: 3}}, "too few points"},
		{"bad loss", []Point{{Run: "nan-run", Activation: "gelu", Role: RoleAnchor, C: 120, Loss: -1}}, "nan-run"},
		{"bad role", []Point{{Run: "r", Role: "teacher", C: 120, Loss: 1}}, "role"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Analyze(context.Background(), tc.pts, Options{Boot: BootOptions{Resamples: 10}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestAnalyzeHonoursCancellation(t *testing.T) {
	pts := synthSweep(rand.New(rand.NewPCG(1, 1)), []sweepLaw{{"gelu", 40, 0.07, 0.005}}, 5, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Analyze(ctx, pts, Options{Forms: []string{FormSaturating}})
	require.ErrorIs(t, err, context.Canceled)
}

func TestNumEncodesNaNAsNull(t *testing.T) {
	b, err := json.Marshal(Param{Name: "x", Value: 1.5, Lo: nan, Hi: Num(2)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"x","value":1.5,"lo":null,"hi":2}`, string(b))
}

func TestAnalyzeFitsApproach3WhenTokensPerParamVary(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	pts := synth(rng, truthChinchilla, 40, 0.003)
	for i := range pts {
		pts[i].Activation = "gelu"
		pts[i].Run = "r" + string(rune('A'+i%26)) + string(rune('a'+i/26))
	}
	hold := Point{Run: "big", Activation: "gelu", Role: RoleHoldout, N: 3e9, D: 6e10}
	hold.C = 6 * hold.N * hold.D
	hold.Loss = truthChinchilla.form.Predict(truthChinchilla.params, hold)
	pts = append(pts, hold)

	a, err := Analyze(context.Background(), pts, Options{Forms: []string{FormChinchilla}, Boot: BootOptions{Resamples: 50}})
	require.NoError(t, err)
	f := a.Activation("gelu").Fit(FormChinchilla)
	require.True(t, f.OK(), f.Error)
	assert.InEpsilon(t, 0.3478, float64(f.Param("alpha").Value), 0.1)
	require.Len(t, a.Activation("gelu").Predictions, 1)
	pr := a.Activation("gelu").Predictions[0]
	assert.Less(t, abs(float64(pr.ErrPct)), 1.0)
	assert.Nil(t, a.Verdict, "one activation: no verdict")
	assert.Contains(t, a.Notes[len(a.Notes)-1], "no verdict")
}
