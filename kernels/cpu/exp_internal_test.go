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

// TestExpShiftRange checks expShift (assembly where the CPU has it) and
// expShiftGo over the whole range of softmax arguments, lengths that are and
// are not multiples of 8, a NaN inside the vector part and the sums.
func TestExpShiftRange(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 63, 64, 1000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = 3 - 95*float32(i)/float32(n) // shift 3: arguments from 0 down to −95
		}
		for name, f := range map[string]func([]float32, float32) float32{"expShift": expShift, "expShiftGo": expShiftGo} {
			y := append([]float32(nil), x...)
			sum := f(y, 3)
			var want float64
			for i, v := range x {
				e := math.Exp(float64(v) - 3)
				want += e
				if math.Abs(float64(y[i])-e) > 3e-7*e+1e-37 {
					t.Fatalf("%s n=%d: e^(%v) = %v, want %v", name, n, v-3, y[i], e)
				}
			}
			assert.InEpsilon(t, want, float64(sum), 1e-6, "%s n=%d sum", name, n)
		}
	}
	x := make([]float32, 16)
	x[3] = float32(math.NaN())
	expShift(x, 0)
	assert.True(t, math.IsNaN(float64(x[3])), "NaN stays NaN in the vector part")
	assert.Equal(t, float32(1), x[2])
	t.Logf("vector exp in use: %v", hasVectorExp)
}
