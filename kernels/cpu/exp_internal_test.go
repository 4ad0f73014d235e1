package cpu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExp32(t *testing.T) {
	worst := 0.0
	for x := float32(-87); x < 88; x += 0.0137 {
		want := math.Exp(float64(x))
		got := float64(exp32(x))
		worst = max(worst, math.Abs(got-want)/want)
	}
	assert.Less(t, worst, 3e-7, "relative error of exp32 over [-87, 88]")
	assert.Equal(t, float32(1), exp32(0))
	assert.Equal(t, float32(0), exp32(-100))
	assert.Equal(t, float32(0), exp32(float32(math.Inf(-1))))
	assert.True(t, math.IsInf(float64(exp32(100)), 1))
	assert.True(t, math.IsNaN(float64(exp32(float32(math.NaN())))))
}
