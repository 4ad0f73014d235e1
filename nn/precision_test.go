package nn

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

func TestParsePrecision(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Precision
		ok   bool
	}{{"f32", F32, true}, {"bf16", BF16, true}, {"fp16", "", false}, {"auto", "", false}, {"", "", false}} {
		got, err := ParsePrecision(c.in)
		if !c.ok {
			assert.Error(t, err, c.in)
			continue
		}
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got)
	}
	assert.Equal(t, tensor.BFloat16, BF16.DType())
	assert.Equal(t, tensor.Float32, F32.DType())
}

// The CPU device stores bf16 but does not compute in it: auto resolves to
// f32 there and an explicit bf16 is one error naming the device.
func TestResolveOnCPU(t *testing.T) {
	dev := cpu.New()
	assert.False(t, SupportsBF16(dev))
	for _, c := range []struct {
		in   string
		want Precision
		err  string
	}{
		{"", F32, ""}, {"auto", F32, ""}, {"f32", F32, ""},
		{"bf16", "", "only stores it"}, {"half", "", "unknown precision"},
	} {
		got, err := Resolve(c.in, dev)
		if c.err != "" {
			require.Error(t, err, c.in)
			assert.Contains(t, err.Error(), c.err)
			continue
		}
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	assert.Zero(t, dev.MemStats().LiveBytes, "the probe frees its buffers")
}

// A bf16 model holds BFloat16 working tensors whose float32 masters are
// bit-for-bit the weights New draws for the same seed, and whose working
// values are those masters rounded to bf16; an f32 model has no masters.
func TestBF16ModelHasF32Masters(t *testing.T) {
	dev := cpu.New()
	c := tinyConfig(SwiGLU)
	ref, err := New(dev, c, 7)
	require.NoError(t, err)
	defer ref.Free()
	m, err := NewWithPrecision(dev, c, 7, BF16)
	require.NoError(t, err)
	assert.Equal(t, BF16, m.Precision)
	assert.Equal(t, F32, ref.Precision)
	require.Len(t, m.Params(), len(ref.Params()))
	for i, p := range m.Params() {
		r := ref.Params()[i]
		assert.Nil(t, r.Master, r.Name)
		assert.Equal(t, tensor.Float32, r.T.DType(), r.Name)
		require.NotNil(t, p.Master, p.Name)
		assert.Equal(t, tensor.BFloat16, p.T.DType(), p.Name)
		assert.Equal(t, tensor.Float32, p.Master.DType(), p.Name)
		assert.True(t, p.T.RequiresGrad(), p.Name)
		assert.False(t, p.Master.RequiresGrad(), p.Name)
		assert.Equal(t, r.T.Shape(), p.Master.Shape(), p.Name)
		want, err := r.T.Float32s()
		require.NoError(t, err)
		master, err := p.Master.Float32s()
		require.NoError(t, err)
		require.Equal(t, want, master, "%s: master weights", p.Name)
		work, err := p.T.Float32s()
		require.NoError(t, err)
		roundTrip, err := tensor.FromFloat32As(dev, tensor.BFloat16, want, p.T.Shape()...)
		require.NoError(t, err)
		rounded, err := roundTrip.Float32s()
		require.NoError(t, err)
		roundTrip.Free()
		require.Equal(t, rounded, work, "%s: working copy", p.Name)
	}
	live := dev.MemStats().LiveBytes
	m.Free()
	assert.Less(t, dev.MemStats().LiveBytes, live)
	_, err = NewWithPrecision(dev, c, 7, "fp8")
	assert.ErrorContains(t, err, "unknown precision")
}
