package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func BenchmarkEmbedding(b *testing.B) {
	d := benchDevice(b)
	const bt, seq = 8, 1024
	s := tensor.EmbeddingShape{Batch: bt, SeqLen: seq, Vocab: bVocab, Width: bWidth}
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		sz := float64(dt.Size())
		wte, wpe := rnd(b, d, dt, bVocab*bWidth, 0.02), rnd(b, d, dt, seq*bWidth, 0.02)
		dwte, dwpe := rnd(b, d, dt, bVocab*bWidth, 1e-3), rnd(b, d, dt, seq*bWidth, 1e-3)
		ids := ints(b, d, bt*seq, bVocab)
		out, dout := rnd(b, d, dt, bt*seq*bWidth, 1), rnd(b, d, dt, bt*seq*bWidth, 1)
		rows := float64(bt * seq * bWidth)
		b.Run(dt.String()+"/Forward", func(b *testing.B) {
			measure(b, d, 3*sz*rows, 0, func() error { return d.Embedding(out, wte, wpe, ids, s) })
		})
		b.Run(dt.String()+"/Backward", func(b *testing.B) {
			// dout once, and each touched row of dwte / dwpe read and written.
			measure(b, d, 3*sz*rows, 0, func() error { return d.EmbeddingBackward(dwte, dwpe, dout, ids, s) })
		})
	}
}
