package cpu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// activationInputs spans the GeLU/SiLU range, the far tails, ±0, ±Inf
// and NaN, with a length that leaves a tail for the scalar loop.
func activationInputs() []float32 {
	var x []float32
	for v := float32(-30); v < 30; v += 0.0371 {
		x = append(x, v)
	}
	x = append(x, 0, float32(math.Copysign(0, -1)), -100, 100, -1e30, 1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, -1e-30)
	return x
}

// refGeLU64 is the GPT-2 tanh GeLU and its derivative in float64, as
// x·σ(2u) (1+tanh(u) would cancel), and the relative error that rounding
// 2u to float32 alone brings to e^−2u (|2u|·2^−24).
func refGeLU64(x float64) (y, dy, rel float64) {
	u := geluK * (x + geluC*x*x*x)
	s := 1 / (1 + math.Exp(-2*u))
	return x * s, s + x*2*s*(1-s)*geluK*(1+3*geluC*x*x), 2e-6 + math.Abs(2*u)*1.2e-7
}

// close reports whether got is within rel·|want| + abs of want, NaN matching NaN.
func closeTo(got float32, want, rel, abs float64) bool {
	if math.IsNaN(want) || math.IsNaN(float64(got)) {
		return math.IsNaN(want) && math.IsNaN(float64(got))
	}
	if math.IsInf(want, 0) {
		return float64(got) == want
	}
	return math.Abs(float64(got)-want) <= rel*math.Abs(want)+abs
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

func TestSwiGLURangeMatchesReference(t *testing.T) {
	a := activationInputs()
	b, dout := make([]float32, len(a)), make([]float32, len(a))
	for i := range b {
		b[i] = float32(i%7) - 2.5
		dout[i] = float32(i%5)*0.3 - 0.7
	}
	out := make([]float32, len(a))
	swigluRange(out, a, b)
	da, db := make([]float32, len(a)), make([]float32, len(a))
	swigluBackwardRange(da, db, a, b, dout)
	for i, v := range a {
		x := float64(v)
		if math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) > 1e20 {
			continue
		}
		s := 1 / (1 + math.Exp(-x))
		y := x * s * float64(b[i])
		wa := float64(dout[i]) * float64(b[i]) * s * (1 + x*(1-s))
		wb := float64(dout[i]) * x * s
		assert.True(t, closeTo(out[i], y, 3e-6, 1e-35), "SwiGLU(%v, %v) = %v, want %v", v, b[i], out[i], y)
		// 1+a(1−σ) cancels near a ≈ −1.28: allow float32 rounding of its terms.
		scale := math.Abs(float64(dout[i])*float64(b[i])*s) * (1 + math.Abs(x))
		assert.True(t, closeTo(da[i], wa, 3e-6, 3e-7*scale+1e-35), "da(%v) = %v, want %v", v, da[i], wa)
		assert.True(t, closeTo(db[i], wb, 3e-6, 1e-35), "db(%v) = %v, want %v", v, db[i], wb)
	}
}
