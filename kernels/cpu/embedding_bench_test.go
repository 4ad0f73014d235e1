package cpu_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// BenchmarkEmbedding times the token+position embedding forward+backward
// for 8×256 tokens of width 768 and a 4096-token vocabulary. Bytes: the
// forward reads a wte and a wpe row and writes an output row per token; the
// backward reads the output gradient and read-modify-writes a wte and a
// wpe row per token: 8·4 bytes per token and width.
func BenchmarkEmbedding(b *testing.B) {
	s := tensor.EmbeddingShape{Batch: 8, SeqLen: 256, Vocab: 4096, Width: 768}
	d := cpu.New()
	n := s.Batch * s.SeqLen
	wte, wpe := benchBuf(b, d, s.Vocab*s.Width, 0.02), benchBuf(b, d, s.SeqLen*s.Width, 0.02)
	dwte, dwpe := benchBuf(b, d, s.Vocab*s.Width, 0), benchBuf(b, d, s.SeqLen*s.Width, 0)
	out, dout := benchBuf(b, d, n*s.Width, 0), benchBuf(b, d, n*s.Width, 1)
	ids, err := d.Alloc(tensor.Int32, n)
	if err != nil {
		b.Fatal(err)
	}
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(i * 7919 % s.Vocab)
	}
	if err := d.WriteInt32(ids, v); err != nil {
		b.Fatal(err)
	}
	bytes := 8 * 4 * float64(n*s.Width)
	clock := startCPU()
	for b.Loop() {
		if err := d.Embedding(out, wte, wpe, ids, s); err != nil {
			b.Fatal(err)
		}
		if err := d.EmbeddingBackward(dwte, dwpe, dout, ids, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, bytes*float64(b.N)/1e9, "GB")
}
