package cuda

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBF16Conversion(t *testing.T) {
	tests := []struct {
		in   float32
		want float32
	}{
		{1, 1},
		{1 + 1.0/256, 1},          // tie: to even (down)
		{1 + 3.0/256, 1 + 1.0/64}, // tie: to even (up)
		{-(2 + 2.0/256), -2},      // negative tie
		{1 + 1.0/256 + 1.0/65536, 1 + 1.0/128},
		{0, 0},
		{float32(math.Inf(1)), float32(math.Inf(1))},
		{3.4e38, float32(math.Inf(1))}, // rounds past the largest bf16
	}
	for _, tt := range tests {
		got := bf16ToFloat32(bf16FromFloat32(tt.in))
		assert.Equalf(t, tt.want, got, "bf16(%g)", tt.in)
	}
	nan := bf16ToFloat32(bf16FromFloat32(float32(math.NaN())))
	assert.True(t, math.IsNaN(float64(nan)), "NaN must stay NaN")
	// A NaN whose payload sits only in the low bits must not become Inf.
	low := math.Float32frombits(0x7f800001)
	assert.True(t, math.IsNaN(float64(bf16ToFloat32(bf16FromFloat32(low)))))
}
