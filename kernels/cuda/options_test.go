package cuda

import (
	"strings"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeWith is a fake-runtime device opened with opts.
func fakeWith(t *testing.T, opts Options) (*Device, *fakeRuntime) {
	d, f := newFakeDevice(t)
	d.opts = opts
	return d, f
}

// launched runs the attention forward and backward on the fake runtime and
// returns the kernels they launched, in order.
func launched(t *testing.T, opts Options, dt tensor.DType, headDim int) []string {
	d, f := fakeWith(t, opts)
	s := tensor.AttentionShape{Batch: 2, SeqLen: 5, Heads: 2, HeadDim: headDim}
	c := s.Heads * s.HeadDim
	qkv, out := fakeBuf(t, d, dt, 10*3*c), fakeBuf(t, d, dt, 10*c)
	dqkv, dout := fakeBuf(t, d, dt, 10*3*c), fakeBuf(t, d, dt, 10*c)
	lse := fakeBuf(t, d, tensor.Float32, s.Batch*s.Heads*s.SeqLen)
	f.launches = nil
	require.NoError(t, d.Attention(out, lse, qkv, s))
	require.NoError(t, d.AttentionBackward(dqkv, dout, qkv, out, lse, s))
	var names []string
	for _, l := range f.launches {
		names = append(names, l.name)
	}
	return names
}

func TestOptionsChooseTheAttentionKernels(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		dt      tensor.DType
		headDim int
		want    tensor.KernelPath
		kernel  string // a kernel the path must launch
	}{
		{"default bf16", Options{}, tensor.BFloat16, 64,
			tensor.KernelPath{MatMul: tensor.MatMulFallback, Attention: tensor.AttentionFlash, AttentionBackward: tensor.BackwardDeterministic}, "flash_attn_bwd_dq_d64_bf16"},
		{"default f32", Options{}, tensor.Float32, 64,
			tensor.KernelPath{MatMul: tensor.MatMulFallback, Attention: tensor.AttentionPlain, AttentionBackward: tensor.BackwardDeterministic}, "attention_bwd_dq_f32"},
		{"head dim 16", Options{}, tensor.BFloat16, 16,
			tensor.KernelPath{MatMul: tensor.MatMulFallback, Attention: tensor.AttentionPlain, AttentionBackward: tensor.BackwardDeterministic}, "attention_fwd_bf16"},
		{"NoFlash", Options{NoFlash: true, FlashAtomicDQ: true}, tensor.BFloat16, 64,
			tensor.KernelPath{MatMul: tensor.MatMulFallback, Attention: tensor.AttentionPlain, AttentionBackward: tensor.BackwardDeterministic}, "attention_bwd_dkv_bf16"},
		{"FlashF32", Options{FlashF32: true}, tensor.Float32, 64,
			tensor.KernelPath{MatMul: tensor.MatMulFallback, Attention: tensor.AttentionFlash, AttentionBackward: tensor.BackwardDeterministic}, "flash_attn_fwd_d64_f32"},
		{"FlashAtomicDQ", Options{FlashAtomicDQ: true}, tensor.BFloat16, 32,
			tensor.KernelPath{MatMul: tensor.MatMulFallback, Attention: tensor.AttentionFlash, AttentionBackward: tensor.BackwardAtomicDQ}, "flash_attn_bwd_dkdv_atomic_d32_bf16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := fakeWith(t, tt.opts)
			assert.Equal(t, tt.want, d.KernelPath(tt.dt, tt.headDim))
			names := launched(t, tt.opts, tt.dt, tt.headDim)
			assert.Contains(t, names, tt.kernel)
			flash := false
			for _, n := range names {
				flash = flash || strings.HasPrefix(n, "flash_attn_")
			}
			assert.Equal(t, tt.want.Attention == tensor.AttentionFlash, flash, "launched %v", names)
		})
	}
}

func TestSyncOptionSynchronisesAfterEveryLaunch(t *testing.T) {
	for _, sync := range []bool{false, true} {
		d, f := fakeWith(t, Options{Sync: sync})
		b := fakeBuf(t, d, tensor.Float32, 1000)
		before := f.syncs
		require.NoError(t, d.Fill(b, 1))
		require.NoError(t, d.Fill(b, 2))
		want := 0
		if sync {
			want = 2
		}
		assert.Equalf(t, want, f.syncs-before, "Sync=%v", sync)
		assert.Equal(t, Options{Sync: sync}, d.Options())
	}
}
