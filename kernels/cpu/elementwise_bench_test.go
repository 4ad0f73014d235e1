package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
)

// BenchmarkElementwise times Add and Accumulate (the residual stream and
// gradient accumulation) on 8×256 tokens of width 768. Bytes: both read
// two operands and write one: 3·4 bytes per element.
func BenchmarkElementwise(b *testing.B) {
	const n = 8 * 256 * 768
	d := cpu.New()
	x, y, out := benchBuf(b, d, n, 1), benchBuf(b, d, n, 1), benchBuf(b, d, n, 0)
	const bytes = 3 * 4 * n
	b.Run("Add", func(b *testing.B) {
		clock := startCPU()
		for b.Loop() {
			if err := d.Add(out, x, y); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		clock.report(b, bytes*float64(b.N)/1e9, "GB")
	})
	b.Run("Accumulate", func(b *testing.B) {
		clock := startCPU()
		for b.Loop() {
			if err := d.Accumulate(out, x, 1e-3); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		clock.report(b, bytes*float64(b.N)/1e9, "GB")
	})
}
