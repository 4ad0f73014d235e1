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

func TestExpShift(t *testing.T) {
	x := []float32{0, -1, -0.5, -10, -87, -100, float32(math.Inf(-1)), -1e-3, -20.25}
	want := make([]float64, len(x))
	var sum float64
	for i, v := range x {
		want[i] = math.Exp(float64(v))
		sum += want[i]
	}
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = v + 2
	}
	got := expShift(y, 2)
	for i := range y {
		assert.InDelta(t, want[i], float64(y[i]), 3e-7*want[i]+1e-37, "e^(%v)", x[i])
	}
	assert.InEpsilon(t, sum, float64(got), 1e-6)
	nan := []float32{float32(math.NaN())}
	expShift(nan, 0)
	assert.True(t, math.IsNaN(float64(nan[0])), "NaN stays NaN")
}
