package cpu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

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
