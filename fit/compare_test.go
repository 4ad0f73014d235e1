package fit_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/fittest"
)

// compareLaws are two sweeps' activations: the same grid on two corpora,
// where the second corpus steepens GeLU's exponent and leaves SwiGLU's.
func compareLaws(geluB2 float64) [][]fittest.Law {
	return [][]fittest.Law{
		{{Activation: "gelu", A: 30, B: 0.08, Sigma: 0.004}, {Activation: "swiglu", A: 29, B: 0.08, Sigma: 0.004}},
		{{Activation: "gelu", A: 60, B: geluB2, Sigma: 0.004}, {Activation: "swiglu", A: 29, B: 0.08, Sigma: 0.004}},
	}
}

func TestCompareSweeps(t *testing.T) {
	for _, tc := range []struct {
		name          string
		geluB2        float64
		geluDiffers   bool
		swigluDiffers bool
	}{
		{"exponent moved", 0.12, true, false},
		{"same laws", 0.08, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			laws := compareLaws(tc.geluB2)
			pts := [][]fit.Point{
				fittest.Sweep(rand.New(rand.NewPCG(1, 2)), laws[0], 5, 2),
				fittest.Sweep(rand.New(rand.NewPCG(3, 4)), laws[1], 5, 2),
			}
			opts := fit.Options{Forms: []string{fit.FormLogLinear, fit.FormSaturating}, Boot: fit.BootOptions{Resamples: 200, Seed: 7}}
			c, err := fit.Compare(context.Background(), []string{"tinystories", "fineweb"}, pts, opts)
			require.NoError(t, err)
			require.Len(t, c.Sweeps, 2)
			assert.Equal(t, "tinystories", c.Sweeps[0].Label)
			require.Len(t, c.Deltas, 2)
			byAct := map[string]fit.SweepDelta{}
			for _, d := range c.Deltas {
				byAct[d.Activation] = d
				assert.Equal(t, "fineweb", d.Sweep)
				assert.Equal(t, "tinystories", d.Reference)
				assert.Equal(t, c.Form, d.Form)
				assert.Empty(t, d.Note)
				assert.GreaterOrEqual(t, d.PairedDraws, 100)
				assert.LessOrEqual(t, float64(d.DeltaB.Lo), float64(d.DeltaB.Value))
				assert.GreaterOrEqual(t, float64(d.DeltaB.Hi), float64(d.DeltaB.Value))
			}
			assert.Equal(t, tc.geluDiffers, byAct["gelu"].Differs, "gelu Δb %+v", byAct["gelu"].DeltaB)
			assert.Equal(t, tc.swigluDiffers, byAct["swiglu"].Differs, "swiglu Δb %+v", byAct["swiglu"].DeltaB)
			if tc.geluDiffers {
				assert.InDelta(t, 0.04, float64(byAct["gelu"].DeltaB.Value), 0.015)
			}

			// The first sweep's numbers are those of its own analysis.
			own, err := fit.Analyze(context.Background(), pts[0], opts)
			require.NoError(t, err)
			assert.Equal(t, own.Verdict.DeltaB, c.Sweeps[0].Analysis.Verdict.DeltaB)
		})
	}
}

func TestCompareNeedsTwoSweeps(t *testing.T) {
	pts := fittest.Sweep(rand.New(rand.NewPCG(1, 2)), compareLaws(0.08)[0], 5, 2)
	_, err := fit.Compare(context.Background(), []string{"a"}, [][]fit.Point{pts}, fit.Options{})
	require.ErrorContains(t, err, "at least two sweeps")
	_, err = fit.Compare(context.Background(), []string{"a"}, [][]fit.Point{pts, pts}, fit.Options{})
	require.ErrorContains(t, err, "1 labels for 2 sweeps")
}
