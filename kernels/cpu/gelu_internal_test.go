package cpu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refGeLU64 is the GPT-2 tanh GeLU and its derivative in float64, as
// x·σ(2u) (1+tanh(u) would cancel), and the relative error that rounding
// 2u to float32 alone brings to e^−2u (|2u|·2^−24).
func refGeLU64(x float64) (y, dy, rel float64) {
	u := geluK * (x + geluC*x*x*x)
	s := 1 / (1 + math.Exp(-2*u))
	return x * s, s + x*2*s*(1-s)*geluK*(1+3*geluC*x*x), 2e-6 + math.Abs(2*u)*1.2e-7
}

func TestGeLURangeMatchesReference(t *testing.T) {
	x := activationInputs()
	out, vec := make([]float32, len(x)), make([]float32, len(x))
	geluGo(out, x)
	geluRange(vec, x)
	g, gv, dout := make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))
	for i := range dout {
		dout[i] = 1
		g[i], gv[i] = 0.5, 0.5
	}
	geluBackwardGo(g, x, dout)
	geluBackwardRange(gv, x, dout)
	for i, v := range x {
		if math.IsInf(float64(v), 0) || math.Abs(float64(v)) > 1e20 {
			continue // x³ overflows: only the NaN/Inf handling below applies
		}
		y, dy, rel := refGeLU64(float64(v))
		assert.True(t, closeTo(vec[i], y, rel, 1e-35), "GeLU(%v) vector %v, want %v", v, vec[i], y)
		assert.True(t, closeTo(out[i], y, rel, 1e-35), "GeLU(%v) Go %v, want %v", v, out[i], y)
		assert.True(t, closeTo(gv[i], 0.5+dy, rel, 1e-6), "GeLU'(%v) vector %v, want %v", v, gv[i], 0.5+dy)
		assert.True(t, closeTo(g[i], 0.5+dy, rel, 1e-6), "GeLU'(%v) Go %v, want %v", v, g[i], 0.5+dy)
	}
	n := len(x) - 1
	require.True(t, math.IsNaN(float64(x[len(x)-3])))
	assert.True(t, math.IsNaN(float64(vec[n-2])), "GeLU(NaN)")
	assert.True(t, math.IsNaN(float64(gv[n-2])), "GeLU'(NaN)")
}
