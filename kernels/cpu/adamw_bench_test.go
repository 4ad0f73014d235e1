package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// BenchmarkAdamW times one AdamW update of 10M parameters (about the 10M
// model of the sweep). Bytes: reads param, grad, m, v and writes param, m,
// v: 7·4 bytes per parameter.
func BenchmarkAdamW(b *testing.B) {
	const n = 10_000_000
	d := cpu.New()
	param, grad, m, v := benchBuf(b, d, n, 1), benchBuf(b, d, n, 1), benchBuf(b, d, n, 0), benchBuf(b, d, n, 0)
	p := tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, GradScale: 1}
	step := 0
	clock := startCPU()
	for b.Loop() {
		step++
		p.Step = step
		if err := d.AdamW(p, param, grad, m, v, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(7*4*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, 7*4*n*float64(b.N)/1e9, "GB")
}
