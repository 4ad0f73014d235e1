package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAdamWRangeMatchesGo checks the dispatched update (AVX2 where the
// build has it) gives the Go loop's bits, tails included.
func TestAdamWRangeMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	k := &adamwConsts{gradScale: 0.5, beta1: 0.9, omb1: 1 - 0.9, beta2: 0.95, omb2: 1 - 0.95,
		c1: 1.7, c2: 3.1, eps: 1e-8, lr: 3e-4, wd: 0.1}
	for _, n := range []int{1, 8, 29, 1000} {
		mk := func(scale float64) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(rng.NormFloat64() * scale)
			}
			return s
		}
		w, g, m, v := mk(1), mk(1), mk(0.1), mk(0.01)
		for i := range v {
			v[i] = float32(math.Abs(float64(v[i])))
		}
		w2, m2, v2 := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
		adamwGo(w, g, m, v, k)
		adamwRange(w2, g, m2, v2, k)
		assert.Equal(t, w, w2, "w n=%d", n)
		assert.Equal(t, m, m2, "m n=%d", n)
		assert.Equal(t, v, v2, "v n=%d", n)
	}
}
