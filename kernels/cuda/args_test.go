package cuda

import (
	"math"
	"testing"
	"unsafe"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArgPackLayout(t *testing.T) {
	buf := &buffer{ptr: 0xdead_beef_0000, n: 4, dt: tensor.Float32}
	var nilBuf *buffer
	tests := []struct {
		name string
		arg  any
		want uint64
	}{
		{"device pointer", devicePtr(0x7f00_0000_1000), 0x7f00_0000_1000},
		{"buffer", buf, 0xdead_beef_0000},
		{"nil buffer is NULL", nilBuf, 0},
		{"int", 12345, 12345},
		{"negative int keeps 32-bit two's complement", -2, 0xffff_fffe},
		{"int32", int32(-1), 0xffff_ffff},
		{"uint32", uint32(7), 7},
		{"bool true", true, 1},
		{"bool false", false, 0},
		{"int64", int64(-1), math.MaxUint64},
		{"uint64", uint64(1 << 40), 1 << 40},
		{"float32", float32(1.5), uint64(math.Float32bits(1.5))},
		{"float64", 2.25, math.Float64bits(2.25)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a argPack
			require.NoError(t, a.set(tt.arg))
			assert.Equal(t, 1, a.n)
			assert.Equal(t, tt.want, a.slots[0])
			assert.Equal(t, unsafe.Pointer(&a.slots[0]), a.params[0], "params[i] must point at slot i")
		})
	}
}

func TestArgPackManyArgsAndLowHalf(t *testing.T) {
	var a argPack
	require.NoError(t, a.set(devicePtr(8), 3, float32(-0.5), int64(9)))
	require.Equal(t, 4, a.n)
	for i := 0; i < a.n; i++ {
		assert.Equal(t, unsafe.Pointer(&a.slots[i]), a.params[i])
	}
	// A 4-byte parameter is read from the slot's first four bytes (little-endian).
	f := *(*float32)(a.params[2])
	assert.Equal(t, float32(-0.5), f)
	n := *(*int32)(a.params[1])
	assert.Equal(t, int32(3), n)
	var seen unsafe.Pointer
	require.NoError(t, a.with(func(p unsafe.Pointer) error { seen = p; return nil }))
	assert.Equal(t, unsafe.Pointer(&a.params[0]), seen)
}

func TestArgPackErrors(t *testing.T) {
	tests := []struct {
		name string
		args []any
		want string
	}{
		{"int too big", []any{1 << 40}, "32-bit"},
		{"unsupported type", []any{"hello"}, "unsupported type string"},
		{"too many", make([]any, maxKernelArgs+1), "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a argPack
			require.ErrorContains(t, a.set(tt.args...), tt.want)
		})
	}
}
