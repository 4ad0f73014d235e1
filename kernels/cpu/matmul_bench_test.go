package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// BenchmarkMatMul times the device's MatMul at the 3M model's shapes
// (8×256 tokens, width 256): the attention projection's forward (A·Wᵀ)
// and its weight gradient (dYᵀ·X), the two layouts a training step uses
// most. The SGEMM itself, against gonum, is kernels/cpu/gemm's
// BenchmarkSgemm. FLOPs: 2·M·N·K.
func BenchmarkMatMul(b *testing.B) {
	const rows, width = 8 * 256, 256
	d := cpu.New()
	shapes := []struct {
		name string
		s    tensor.MatMulShape
	}{
		{"fwd_2048x768x256", tensor.MatMulShape{Batch: 1, M: rows, N: 3 * width, K: width, TransB: true}},
		{"dW_768x256x2048", tensor.MatMulShape{Batch: 1, M: 3 * width, N: width, K: rows, TransA: true}},
	}
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			s := sh.s
			a := benchBuf(b, d, s.M*s.K, 1)
			w := benchBuf(b, d, s.K*s.N, 1)
			c := benchBuf(b, d, s.M*s.N, 0)
			flops := 2 * float64(s.M) * float64(s.N) * float64(s.K)
			clock := startCPU()
			for b.Loop() {
				if err := d.MatMul(c, a, w, s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			clock.report(b, flops*float64(b.N)/1e9, "GFLOP")
		})
	}
}
