package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// BenchmarkCrossEntropy times the fused loss and gradient on 8×256 rows of
// a 50257-token vocabulary (GPT-2's). Bytes: the logits are read twice
// (max, exponentials) and written once.
func BenchmarkCrossEntropy(b *testing.B) {
	const rows, vocab = 8 * 256, 50257
	d := cpu.New()
	logits, loss := benchBuf(b, d, rows*vocab, 1), benchBuf(b, d, 1, 0)
	targets, err := d.Alloc(tensor.Int32, rows)
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Fill(targets, 7); err != nil {
		b.Fatal(err)
	}
	clock := startCPU()
	for b.Loop() {
		// Overwriting the logits with their gradient each time changes the
		// values, not the work.
		if err := d.CrossEntropy(loss, logits, targets, rows, vocab, 1, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(3*4*rows*vocab*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, 3*4*rows*vocab*float64(b.N)/1e9, "GB")
}
