package cuda

import (
	"math/rand/v2"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/require"
)

// BenchmarkFlashAttention times the fused kernels (flash) and, as the peer
// in the same process, the plain one-warp-per-row kernels of attention.cu
// (plain), in bf16: forward, backward, forward+backward, in TFLOP/s of
// causal FLOPs, and GB/s of the fewest bytes (attnBytes: at T=256 these
// shapes are memory-bound on an H100). PyTorch SDPA is timed by scripts/torch_attention_bench.py.
// Skipped without a GPU.
func BenchmarkFlashAttention(b *testing.B) {
	d := gpu(b)
	for _, sh := range flashBenchShapes {
		s := sh.s
		rng := rand.New(rand.NewPCG(1, 2))
		C, rows := s.Heads*s.HeadDim, s.Batch*s.SeqLen
		qkv := upload(b, d, tensor.BFloat16, rows*3*C, rng, 1)
		dout := upload(b, d, tensor.BFloat16, rows*C, rng, 1)
		out := upload(b, d, tensor.BFloat16, rows*C, rng, 1)
		lse := upload(b, d, tensor.Float32, s.Batch*s.Heads*s.SeqLen, rng, 1)
		dqkv := upload(b, d, tensor.BFloat16, rows*3*C, rng, 0)
		ff, fb := causalFlops(s)
		bf, bb := attnBytes(s)
		for _, impl := range []string{"flash", "plain"} {
			fwd := func() error { return d.Attention(out, lse, qkv, s) }
			bwd := func() error { return d.AttentionBackward(dqkv, dout, qkv, out, lse, s) }
			for _, pass := range []struct {
				name         string
				flops, bytes float64
				f            func() error
			}{
				{"fwd", ff, bf, fwd},
				{"bwd", fb, bb, bwd},
				{"fwdbwd", ff + fb, bf + bb, func() error {
					if err := fwd(); err != nil {
						return err
					}
					return bwd()
				}},
			} {
				b.Run(sh.name+"/"+impl+"/"+pass.name, func(b *testing.B) {
					saved := d.opts
					d.opts.NoFlash = impl == "plain"
					defer func() { d.opts = saved }()
					require.NoError(b, pass.f()) // warm-up: module load, scratch buffers
					require.NoError(b, d.Sync())
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if err := pass.f(); err != nil {
							b.Fatal(err)
						}
					}
					require.NoError(b, d.Sync())
					sec := b.Elapsed().Seconds() / float64(b.N)
					b.ReportMetric(pass.flops/sec/1e12, "TFLOP/s")
					b.ReportMetric(pass.bytes/sec/1e9, "GB/s")
				})
			}
		}
	}
}
