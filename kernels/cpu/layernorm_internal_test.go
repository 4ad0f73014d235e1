package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLayerNormRowLoops checks the dispatched row loops (AVX2 where the
// build has it) against the Go ones, on lengths with and without a tail.
func TestLayerNormRowLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func(n int, off float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() + off)
		}
		return v
	}
	for _, n := range []int{1, 7, 16, 64, 203, 768} {
		x, w, b, dout := vec(n, 3), vec(n, 1), vec(n, 0), vec(n, 0)
		m := float32(rowSumGo(x) / float64(n))
		assert.InDelta(t, rowSumGo(x), rowSum(x), 1e-9*float64(n), "rowSum n=%d", n)
		assert.InDelta(t, rowSqDevGo(x, m), rowSqDev(x, m), 1e-9*float64(n), "rowSqDev n=%d", n)
		s := float32(1 / math.Sqrt(rowSqDevGo(x, m)/float64(n)+lnEps))

		want, got := make([]float32, n), make([]float32, n)
		lnApplyGo(want, x, w, b, m, s)
		lnApply(got, x, w, b, m, s)
		assert.InDeltaSlice(t, want, got, 1e-5, "lnApply n=%d", n)

		sg0, sgx0 := rowGradSumsGo(dout, w, x, m)
		sg1, sgx1 := rowGradSums(dout, w, x, m)
		assert.InDelta(t, sg0, sg1, 1e-5*float64(n), "Σg n=%d", n)
		assert.InDelta(t, sgx0, sgx1, 1e-5*float64(n), "Σg·(x−m) n=%d", n)

		gw, gg := vec(n, 0), make([]float32, n)
		copy(gg, gw)
		lnDxGo(gw, dout, w, x, m, s, sg0, sgx0)
		lnDx(gg, dout, w, x, m, s, sg0, sgx0)
		assert.InDeltaSlice(t, gw, gg, 1e-5, "lnDx n=%d", n)

		aw0, ab0, aw1, ab1 := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range aw0 {
			aw0[i], aw1[i] = float64(i), float64(i)
		}
		lnGradAccGo(aw0, ab0, x, dout, m, s)
		lnGradAcc(aw1, ab1, x, dout, m, s)
		assert.Equal(t, aw0, aw1, "dw accumulators n=%d (same products, same sums)", n)
		assert.Equal(t, ab0, ab1, "db accumulators n=%d", n)
	}
}
