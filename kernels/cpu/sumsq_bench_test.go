package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// BenchmarkSumSquares times the gradient-norm reduction over the buffers
// of a 10M-parameter model (about the 10M model of the sweep: six blocks
// of width 384 and a 4096-token embedding). Bytes: every element read once.
func BenchmarkSumSquares(b *testing.B) {
	const width, layers, vocab = 384, 6, 4096
	d := cpu.New()
	var bufs []tensor.Buffer
	total := 0
	add := func(n int) {
		bufs = append(bufs, benchBuf(b, d, n, 1))
		total += n
	}
	add(vocab * width)
	for range layers {
		for _, n := range []int{3 * width * width, width * width, 4 * width * width, 4 * width * width, width, width, width, width} {
			add(n)
		}
	}
	clock := startCPU()
	for b.Loop() {
		if _, err := d.SumSquares(bufs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(4*float64(total)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, 4*float64(total)*float64(b.N)/1e9, "GB")
}
