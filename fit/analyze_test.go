package fit

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
