package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
)

// BenchmarkSwiGLU times SwiGLU forward+backward on 8×256 tokens of hidden
// 2048 (8·768/3, SwiGLU's hidden size at GPT-2 small's width). Bytes:
// forward reads gate and up and writes out; backward reads gate, up and
// dout and read-modify-writes both halves of dx: 10·4 bytes per unit.
func BenchmarkSwiGLU(b *testing.B) {
	const rows, hidden = 8 * 256, 2048
	d := cpu.New()
	x, dx := benchBuf(b, d, rows*2*hidden, 1), benchBuf(b, d, rows*2*hidden, 0)
	out, dout := benchBuf(b, d, rows*hidden, 0), benchBuf(b, d, rows*hidden, 1)
	const bytes = 10 * 4 * rows * hidden
	clock := startCPU()
	for b.Loop() {
		if err := d.SwiGLU(out, x, rows, hidden); err != nil {
			b.Fatal(err)
		}
		if err := d.SwiGLUBackward(dx, x, dout, rows, hidden); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, bytes*float64(b.N)/1e9, "GB")
}
