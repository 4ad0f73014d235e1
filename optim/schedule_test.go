package optim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScheduleShape(t *testing.T) {
	s := Schedule{MaxLR: 1e-3, MinLR: 1e-4, Warmup: 10, Total: 110}
	require.NoError(t, s.Validate())
	cases := []struct {
		step int
		want float64
	}{
		{1, 1e-4},
		{5, 5e-4},
		{10, 1e-3},
		{60, 1e-4 + 0.5*9e-4}, // halfway through the decay: cos(π/2) = 0
		{110, 1e-4},
		{500, 1e-4},
	}
	for _, tc := range cases {
		assert.InDelta(t, tc.want, s.LR(tc.step), 1e-12, "step %d", tc.step)
	}
	// Monotone: up during warmup, down after.
	for i := 1; i < 110; i++ {
		if i < 10 {
			assert.Less(t, s.LR(i), s.LR(i+1))
		} else {
			assert.GreaterOrEqual(t, s.LR(i), s.LR(i+1))
		}
	}
	// Cosine formula at an arbitrary point.
	p := float64(37-10) / 100
	assert.InDelta(t, 1e-4+0.5*9e-4*(1+math.Cos(math.Pi*p)), s.LR(37), 1e-15)
}

func TestScheduleNoWarmup(t *testing.T) {
	s := Schedule{MaxLR: 2, MinLR: 0, Warmup: 0, Total: 4}
	assert.InDelta(t, 1+math.Cos(math.Pi/4), s.LR(1), 1e-12)
	assert.Equal(t, 0.0, s.LR(4))
}

func TestScheduleValidate(t *testing.T) {
	bad := []Schedule{
		{MaxLR: 0, Total: 10},
		{MaxLR: math.NaN(), Total: 10},
		{MaxLR: 1, MinLR: 2, Total: 10},
		{MaxLR: 1, Total: 0},
		{MaxLR: 1, Warmup: 11, Total: 10},
	}
	for _, s := range bad {
		assert.Error(t, s.Validate(), "%+v", s)
	}
}

func TestDefaultsTable(t *testing.T) {
	prev := DefaultsFor(1)
	for _, n := range []int64{100_000, 3_000_000, 10_000_000, 30_000_000, 85_000_000, 1e10} {
		d := DefaultsFor(n)
		assert.LessOrEqual(t, d.LR, prev.LR, "lr falls with size")
		assert.GreaterOrEqual(t, d.BatchTokens, prev.BatchTokens, "batch grows with size")
		assert.Equal(t, 0.1, d.MinLRRatio)
		assert.Equal(t, 0.95, d.Beta2)
		// Within a factor 2 of Kaplan's fit for the seed sizes.
		if n >= 3_000_000 && n <= 85_000_000 {
			k := 0.003239 - 0.0001395*math.Log(float64(n))
			assert.InEpsilon(t, k, d.LR, 0.5, "n=%d", n)
		}
		prev = d
	}
}
