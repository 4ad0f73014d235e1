package devicetest

import (
	"fmt"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func (s *suite) embedding(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, sh := range []tensor.EmbeddingShape{{Batch: 1, SeqLen: 1, Vocab: 1, Width: 1}, {Batch: 2, SeqLen: 3, Vocab: 17, Width: 5}, {Batch: 3, SeqLen: 65, Vocab: 63, Width: 17}, {Batch: 4, SeqLen: 64, Vocab: 1000, Width: 96}} {
			t.Run(fmt.Sprintf("%s/%+v", dt, sh), func(t *testing.T) {
				e := s.env(t)
				maxT := sh.SeqLen + 2 // wpe may hold more positions than used
				wte, tv := e.input(dt, e.randn(sh.Vocab*sh.Width, 1))
				wpe, pv := e.input(dt, e.randn(maxT*sh.Width, 1))
				idv := e.randInts(sh.Batch*sh.SeqLen, sh.Vocab)
				ids := e.ints(idv)
				out := e.alloc(dt, sh.Batch*sh.SeqLen*sh.Width)
				e.must("Embedding", s.dev.Embedding(out, wte, wpe, ids, sh))
				e.expect("Embedding", e.read(out), refEmbedding(tv, pv, idv, sh), s.tol("embedding", dt))
			})
		}
	}
}

func (s *suite) gradEmbedding(t *testing.T) {
	for _, sh := range []tensor.EmbeddingShape{{Batch: 1, SeqLen: 1, Vocab: 1, Width: 1}, {Batch: 2, SeqLen: 3, Vocab: 5, Width: 4}, {Batch: 3, SeqLen: 17, Vocab: 7, Width: 65}} {
		for _, withPos := range []bool{true, false} {
			t.Run(fmt.Sprintf("%+v/dwpe=%v", sh, withPos), func(t *testing.T) {
				e := s.env(t)
				dt := tensor.Float32
				_, tv := e.input(dt, e.randn(sh.Vocab*sh.Width, 1))
				_, pv := e.input(dt, e.randn(sh.SeqLen*sh.Width, 1))
				idv := e.randInts(sh.Batch*sh.SeqLen, sh.Vocab)
				idv[0] = idv[len(idv)-1] // a repeated id must sum its rows
				ids := e.ints(idv)
				dout, up := e.input(dt, e.randn(sh.Batch*sh.SeqLen*sh.Width, 1))
				ref := func(x [][]float64) []float64 { return refEmbedding(x[0], x[1], idv, sh) }
				at0, at1 := e.points(len(tv)), e.points(len(pv))
				in := [][]float64{tv, pv}
				dwte, pre0 := e.gradBuf(len(tv))
				var dwpe tensor.Buffer
				var pre1 []float64
				if withPos {
					dwpe, pre1 = e.gradBuf(len(pv))
				}
				e.must("EmbeddingBackward", s.dev.EmbeddingBackward(dwte, dwpe, dout, ids, sh))
				e.expect("dwte", pick(e.read(dwte), at0), accum(pick(pre0, at0), numGradAt(in, 0, at0, up, ref)), s.tol("grad", dt))
				if withPos {
					e.expect("dwpe", pick(e.read(dwpe), at1), accum(pick(pre1, at1), numGradAt(in, 1, at1, up, ref)), s.tol("grad", dt))
				}
			})
		}
	}
}

// refEmbedding returns wte[ids] + wpe[position].
func refEmbedding(wte, wpe []float64, ids []int32, s tensor.EmbeddingShape) []float64 {
	out := make([]float64, s.Batch*s.SeqLen*s.Width)
	for r, id := range ids {
		t := r % s.SeqLen
		for j := range s.Width {
			out[r*s.Width+j] = wte[int(id)*s.Width+j] + wpe[t*s.Width+j]
		}
	}
	return out
}
