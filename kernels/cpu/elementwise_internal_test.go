package cpu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFill32(t *testing.T) {
	for _, v := range []float32{0, float32(math.Copysign(0, -1)), 1.5, -3, float32(math.Inf(1))} {
		for _, n := range []int{0, 1, 2, 3, 7, 8, 64, 65, 1000} {
			s := make([]float32, n)
			for i := range s {
				s[i] = 9
			}
			fill32(s, v)
			for i, got := range s {
				if !assert.Equal(t, math.Float32bits(v), math.Float32bits(got), "v=%v n=%d element %d", v, n, i) {
					break
				}
			}
		}
	}
}
