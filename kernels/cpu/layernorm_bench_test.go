package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
)

// BenchmarkLayerNorm times LayerNorm forward+backward on 8×256 rows of 768
// (GPT-2 small's width). Bytes: forward reads x, w, b and writes out, mean,
// rstd; backward reads dout, x, w, mean, rstd and read-modify-writes dx,
// dw, db (the dw/db pass reads dout and x a second time).
func BenchmarkLayerNorm(b *testing.B) {
	const rows, cols = 8 * 256, 768
	d := cpu.New()
	x, w, bias := benchBuf(b, d, rows*cols, 1), benchBuf(b, d, cols, 1), benchBuf(b, d, cols, 0.1)
	out, mean, rstd := benchBuf(b, d, rows*cols, 0), benchBuf(b, d, rows, 0), benchBuf(b, d, rows, 0)
	dout, dx, dw, db := benchBuf(b, d, rows*cols, 1), benchBuf(b, d, rows*cols, 0), benchBuf(b, d, cols, 0), benchBuf(b, d, cols, 0)
	fwdBytes := 4 * (2*rows*cols + 2*cols + 2*rows)
	bwdBytes := 4 * (rows*cols*(2+2+2) + 2*rows + cols + 2*2*cols)
	clock := startCPU()
	for b.Loop() {
		if err := d.LayerNorm(out, mean, rstd, x, w, bias, rows, cols); err != nil {
			b.Fatal(err)
		}
		if err := d.LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd, rows, cols); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fwdBytes+bwdBytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, float64(fwdBytes+bwdBytes)*float64(b.N)/1e9, "GB")
}
