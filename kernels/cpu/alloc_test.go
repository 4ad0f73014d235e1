package cpu_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

func TestAllocatorCachesByDTypeAndLength(t *testing.T) {
	d := cpu.New()
	a, err := d.Alloc(tensor.Float32, 100)
	require.NoError(t, err)
	b, err := d.Alloc(tensor.BFloat16, 100)
	require.NoError(t, err)
	st := d.MemStats()
	assert.Equal(t, tensor.MemStats{SystemAllocs: 2, LiveBytes: 600, ReservedBytes: 600}, st)

	d.Free(a)
	d.Free(a) // a second Free is ignored
	assert.Equal(t, tensor.MemStats{SystemAllocs: 2, LiveBytes: 200, ReservedBytes: 600}, d.MemStats())

	c, err := d.Alloc(tensor.Float32, 100)
	require.NoError(t, err)
	assert.Same(t, a, c, "a freed buffer of the same dtype and length is reused")
	_, err = d.Alloc(tensor.Int32, 100)
	require.NoError(t, err)
	_, err = d.Alloc(tensor.Float32, 101)
	require.NoError(t, err)
	assert.Equal(t, int64(4), d.MemStats().SystemAllocs, "other dtypes and lengths are new allocations")

	other := cpu.New()
	d.Free(nil)
	other.Free(b) // a buffer of another device is ignored
	assert.Equal(t, int64(0), other.MemStats().ReservedBytes)
	require.NoError(t, d.Fill(b, 1))
	err = other.Fill(b, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "another CPU device")

	d.Free(b)
	err = d.Fill(b, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "freed")

	for _, n := range []int{0, -3} {
		_, err = d.Alloc(tensor.Float32, n)
		assert.Error(t, err, "Alloc(%d)", n)
	}
}

func TestComputeOpsRejectBF16(t *testing.T) {
	d := cpu.New()
	x, err := d.Alloc(tensor.BFloat16, 8)
	require.NoError(t, err)
	y, err := d.Alloc(tensor.Float32, 8)
	require.NoError(t, err)
	for name, call := range map[string]func() error{
		"GeLU":       func() error { return d.GeLU(y, x) },
		"Add":        func() error { return d.Add(y, y, x) },
		"Accumulate": func() error { return d.Accumulate(x, y, 1) },
		"SwiGLU":     func() error { return d.SwiGLU(y, x, 2, 4) },
	} {
		err := call()
		require.Error(t, err, name)
		assert.Equal(t, "cpu: "+name+": BF16 not supported, use F32", err.Error())
	}
}

func TestFillInt32(t *testing.T) {
	d := cpu.New()
	b, err := d.Alloc(tensor.Int32, 3)
	require.NoError(t, err)
	require.NoError(t, d.Fill(b, 7))
	assert.Error(t, d.Fill(b, 0.5), "an I32 buffer holds integers only")
	f, err := d.Alloc(tensor.Float32, 3)
	require.NoError(t, err)
	assert.Error(t, d.Read(make([]float32, 3), b), "Read wants a float buffer")
	assert.Error(t, d.Copy(f, b), "no cast between I32 and floats")
}
