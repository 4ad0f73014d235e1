package devicetest

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCloseTo(t *testing.T) {
	cases := []struct {
		name      string
		got, want []float64
		tol       float64
		ok        bool
	}{
		{"equal", []float64{1, -2, 3}, []float64{1, -2, 3}, 0, true},
		{"within bound", []float64{1.000001, 2}, []float64{1, 2}, 1e-5, true},
		{"beyond bound", []float64{1.001, 2}, []float64{1, 2}, 1e-5, false},
		{"NaN never passes", []float64{math.NaN()}, []float64{1}, math.Inf(1), false},
		{"NaN against NaN reference", []float64{math.NaN()}, []float64{math.NaN()}, math.Inf(1), false},
		{"Inf never passes", []float64{math.Inf(1)}, []float64{math.Inf(1)}, math.Inf(1), false},
		{"small element judged against rms", []float64{1e-9 + 1e-7, 1}, []float64{1e-9, 1}, 1e-6, true},
		{"all zero want demands zeros", []float64{1e-20}, []float64{0}, 1, false},
		{"exact with tol 0", []float64{1e-35}, []float64{0}, 0, false},
		{"underflow noise passes", []float64{1e-38}, []float64{1e-40}, 1e-6, true},
		{"length mismatch", []float64{1}, []float64{1, 2}, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := closeTo(c.got, c.want, c.tol)
			if c.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

func TestRefBF16(t *testing.T) {
	cases := []struct{ in, want float64 }{
		{1, 1},
		{1 + 1.0/256, 1},                  // tie: to even
		{1 + 3.0/256, 1 + 4.0/256},        // tie: to even (up)
		{1 + 1.0/256 + 1e-6, 1 + 2.0/256}, // past the tie: up
		{-3.0, -3.0},
		{math.Ldexp(1, -130), math.Ldexp(1, -130)}, // subnormal power of two
	}
	for _, c := range cases {
		assert.Equal(t, c.want, refBF16(c.in), "refBF16(%v)", c.in)
	}
}

func TestNumGrad(t *testing.T) {
	// d/dx Σ up·(x², x·y) = (2x·up0 + y·up1), d/dy = x·up1.
	xs := [][]float64{{3}, {-2}}
	g := numGrad(xs, []int{0, 1}, []float64{0.5, 2}, func(in [][]float64) []float64 {
		return []float64{in[0][0] * in[0][0], in[0][0] * in[1][0]}
	})
	assert.InDelta(t, 2*3*0.5+(-2)*2, g[0][0], 1e-8)
	assert.InDelta(t, 3*2, g[1][0], 1e-8)
	assert.Equal(t, [][]float64{{3}, {-2}}, xs, "inputs are restored")
}

func TestRefGeLU(t *testing.T) {
	// The tanh form, where it does not cancel, and known values.
	for _, x := range []float64{-3, -1, -0.1, 0, 0.5, 2, 10} {
		tanhForm := 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
		assert.InDelta(t, tanhForm, refGeLU([]float64{x})[0], 1e-15, "x=%v", x)
	}
	// Far left, the tanh form cancels; the value must stay tiny and negative.
	v := refGeLU([]float64{-6.5})[0]
	assert.Less(t, v, 0.0)
	assert.Greater(t, v, -1e-12)
}
