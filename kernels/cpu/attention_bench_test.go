package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// BenchmarkAttention times the fused causal attention forward and backward
// at B=8, H=4, T=256, Dh=64. FLOPs: the forward's two products (Q·Kᵀ and
// P·V) are 2·2·B·H·T²·Dh, halved by the causal mask: 2·B·H·T²·Dh; the
// backward is counted as 2.5x that (five products instead of two: the
// score recompute, dV, dP, dK, dQ), although this kernel recomputes the
// scores twice (once per pass) and so does more.
func BenchmarkAttention(b *testing.B) {
	s := tensor.AttentionShape{Batch: 8, SeqLen: 256, Heads: 4, HeadDim: 64}
	d := cpu.New()
	c := s.Heads * s.HeadDim
	n := s.Batch * s.SeqLen
	qkv := benchBuf(b, d, n*3*c, 1)
	out := benchBuf(b, d, n*c, 0)
	lse := benchBuf(b, d, s.Batch*s.Heads*s.SeqLen, 0)
	dout := benchBuf(b, d, n*c, 1)
	dqkv := benchBuf(b, d, n*3*c, 0)
	fwd := 4.0 * float64(s.Batch*s.Heads*s.SeqLen*s.SeqLen*s.HeadDim) / 2
	b.Run("forward", func(b *testing.B) {
		clock := startCPU()
		for b.Loop() {
			if err := d.Attention(out, lse, qkv, s); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(fwd*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		clock.report(b, fwd*float64(b.N)/1e9, "GFLOP")
	})
	b.Run("forward+backward", func(b *testing.B) {
		clock := startCPU()
		for b.Loop() {
			if err := d.Attention(out, lse, qkv, s); err != nil {
				b.Fatal(err)
			}
			if err := d.AttentionBackward(dqkv, dout, qkv, out, lse, s); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(3.5*fwd*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		clock.report(b, 3.5*fwd*float64(b.N)/1e9, "GFLOP")
	})
}
