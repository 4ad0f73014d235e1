package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
)

// BenchmarkGeLU times GeLU forward+backward on 8×256 tokens of 4·768
// (GPT-2 small's FFN). Bytes: forward reads x and writes out; backward
// reads x and dout and read-modify-writes dx: 6·4 bytes per element.
func BenchmarkGeLU(b *testing.B) {
	const n = 8 * 256 * 4 * 768
	d := cpu.New()
	x, out, dout, dx := benchBuf(b, d, n, 1), benchBuf(b, d, n, 0), benchBuf(b, d, n, 1), benchBuf(b, d, n, 0)
	clock := startCPU()
	for b.Loop() {
		if err := d.GeLU(out, x); err != nil {
			b.Fatal(err)
		}
		if err := d.GeLUBackward(dx, x, dout); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(6*4*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, 6*4*n*float64(b.N)/1e9, "GB")
}
