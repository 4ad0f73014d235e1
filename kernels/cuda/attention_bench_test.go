package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/require"
)

// BenchmarkAttention times Attention as the device dispatches it: bf16 with
// head dim 32/64/128 goes to the flash kernels (flash_attention.cu) when they apply,
// float32 to the reference kernels of attention.cu.
func BenchmarkAttention(b *testing.B) {
	d := benchDevice(b)
	s := tensor.AttentionShape{Batch: 4, SeqLen: 1024, Heads: 12, HeadDim: 64}
	c := s.Heads * s.HeadDim
	bt := s.Batch * s.SeqLen
	// Causal attention: 2 matmuls of B·H·T²/2·D multiply-adds forward, 2.5x that backward.
	fwd := 4 * float64(s.Batch*s.Heads) * float64(s.SeqLen) * float64(s.SeqLen) / 2 * float64(s.HeadDim)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		qkv, out := rnd(b, d, dt, bt*3*c, 1), rnd(b, d, dt, bt*c, 1)
		dqkv, dout := rnd(b, d, dt, bt*3*c, 1e-3), rnd(b, d, dt, bt*c, 1)
		lse := rnd(b, d, tensor.Float32, s.Batch*s.Heads*s.SeqLen, 1)
		require.NoError(b, d.Attention(out, lse, qkv, s))
		b.Run(dt.String()+"/Forward", func(b *testing.B) {
			measure(b, d, 0, fwd, func() error { return d.Attention(out, lse, qkv, s) })
		})
		b.Run(dt.String()+"/Backward", func(b *testing.B) {
			measure(b, d, 0, 2.5*fwd, func() error { return d.AttentionBackward(dqkv, dout, qkv, out, lse, s) })
		})
	}
}
