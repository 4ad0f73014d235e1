package devicetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// rowShapes are rows×cols of the row-wise ops (LayerNorm, SwiGLU, CrossEntropy).
var rowShapes = [][2]int{{1, 1}, {1, 3}, {3, 17}, {17, 63}, {5, 65}, {64, 257}, {300, 96}}

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

func (s *suite) layerNorm(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, sh := range rowShapes {
			t.Run(fmt.Sprintf("%s/%dx%d", dt, sh[0], sh[1]), func(t *testing.T) {
				e := s.env(t)
				rows, cols := sh[0], sh[1]
				// An offset mean tests that the variance is not formed as E[x²]−E[x]².
				xvals := e.randn(rows*cols, 2)
				for i := range xvals {
					xvals[i] += 30
				}
				x, xv := e.input(dt, xvals)
				w, wv := e.input(dt, e.uniform(cols, 0.5, 1.5))
				b, bv := e.input(dt, e.randn(cols, 0.3))
				out, mean, rstd := e.alloc(dt, rows*cols), e.alloc(tensor.Float32, rows), e.alloc(tensor.Float32, rows)
				e.must("LayerNorm", s.dev.LayerNorm(out, mean, rstd, x, w, b, rows, cols))
				wo, wm, wr := refLayerNorm(xv, wv, bv, rows, cols)
				e.expect("LayerNorm out", e.read(out), wo, s.tol("layernorm", dt))
				e.expect("LayerNorm mean", e.read(mean), wm, s.tol("layernorm", dt))
				if cols > 1 { // one column has variance 0: rstd = 1/sqrt(eps), too sensitive to compare
					e.expect("LayerNorm rstd", e.read(rstd), wr, s.tol("layernorm", dt))
				}
			})
		}
	}
}

func (s *suite) gelu(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/%d", dt, n), func(t *testing.T) {
				e := s.env(t)
				x, xv := e.input(dt, e.randn(n, 3))
				out := e.alloc(dt, n)
				e.must("GeLU", s.dev.GeLU(out, x))
				e.expect("GeLU", e.read(out), refGeLU(xv), s.tol("gelu", dt))
			})
		}
	}
}

func (s *suite) swiglu(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, sh := range rowShapes {
			t.Run(fmt.Sprintf("%s/%dx%d", dt, sh[0], sh[1]), func(t *testing.T) {
				e := s.env(t)
				rows, hidden := sh[0], sh[1]
				x, xv := e.input(dt, e.randn(rows*2*hidden, 3))
				out := e.alloc(dt, rows*hidden)
				e.must("SwiGLU", s.dev.SwiGLU(out, x, rows, hidden))
				e.expect("SwiGLU", e.read(out), refSwiGLU(xv, rows, hidden), s.tol("swiglu", dt))
			})
		}
	}
}

// attentionShapes cover one token, one head, odd head dims, sequences that
// end inside, on and just past a 64-row block, and the model's head dim.
var attentionShapes = []tensor.AttentionShape{
	{Batch: 1, SeqLen: 1, Heads: 1, HeadDim: 1},
	{Batch: 2, SeqLen: 3, Heads: 1, HeadDim: 3},
	{Batch: 1, SeqLen: 17, Heads: 3, HeadDim: 5},
	{Batch: 2, SeqLen: 63, Heads: 2, HeadDim: 16},
	{Batch: 1, SeqLen: 64, Heads: 1, HeadDim: 64},
	{Batch: 2, SeqLen: 65, Heads: 2, HeadDim: 8},
	{Batch: 1, SeqLen: 130, Heads: 2, HeadDim: 64},
}

func (s *suite) attention(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, sh := range attentionShapes {
			t.Run(fmt.Sprintf("%s/B%d_T%d_H%d_D%d", dt, sh.Batch, sh.SeqLen, sh.Heads, sh.HeadDim), func(t *testing.T) {
				e := s.env(t)
				c := sh.Heads * sh.HeadDim
				qkv, xv := e.input(dt, e.randn(sh.Batch*sh.SeqLen*3*c, 1))
				out, lse := e.alloc(dt, sh.Batch*sh.SeqLen*c), e.alloc(tensor.Float32, sh.Batch*sh.Heads*sh.SeqLen)
				e.must("Attention", s.dev.Attention(out, lse, qkv, sh))
				wo, wl := refAttention(xv, sh)
				e.expect("Attention out", e.read(out), wo, s.tol("attention", dt))
				e.expect("Attention lse", e.read(lse), wl, s.tol("attention", dt))
			})
		}
	}
}

func (s *suite) crossEntropy(t *testing.T) {
	shapes := append(slices.Clone(rowShapes), [2]int{3, 50257}) // and GPT-2's vocabulary
	for _, dt := range s.opts.dtypes() {
		for _, sh := range shapes {
			for _, grad := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%dx%d/grad=%v", dt, sh[0], sh[1], grad), func(t *testing.T) {
					e := s.env(t)
					rows, vocab := sh[0], sh[1]
					lv := e.randn(rows*vocab, 4)
					lv[0] += 80 // a large logit: exp must not overflow
					logits, xv := e.input(dt, lv)
					tv := e.randInts(rows, vocab)
					targets := e.ints(tv)
					loss := e.alloc(tensor.Float32, 1)
					const scale = 0.75
					e.must("CrossEntropy", s.dev.CrossEntropy(loss, logits, targets, rows, vocab, scale, grad))
					wl, wg := refCrossEntropy(xv, tv, rows, vocab, scale)
					e.expect("CrossEntropy loss", e.read(loss), []float64{wl}, s.tol("crossentropy", dt))
					if grad {
						// Measured against scale/rows, the one-hot term that cancels
						// against a probability near 1.
						e.expectScaled("CrossEntropy dlogits", e.read(logits), wg, constant(len(wg), scale/float64(rows)), s.tol("dlogits", dt))
					} else {
						e.expect("CrossEntropy must leave logits alone without writeGrad", e.read(logits), xv, 0)
					}
				})
			}
		}
	}
}

func (s *suite) adamw(t *testing.T) {
	const plain = tensor.DType(255) // no master weights
	p := tensor.AdamWParams{LR: 1e-2, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, GradScale: 0.5}
	for _, n := range sizes {
		for _, working := range []tensor.DType{plain, tensor.Float32, tensor.BFloat16} {
			name := fmt.Sprintf("%d/plain", n)
			if working != plain {
				name = fmt.Sprintf("%d/master+%s", n, working)
			}
			t.Run(name, func(t *testing.T) {
				e := s.env(t)
				w0 := e.randn(n, 1)
				var param, master tensor.Buffer
				var wv []float64
				if working == plain {
					param, wv = e.input(tensor.Float32, w0)
				} else {
					master, wv = e.input(tensor.Float32, w0)
					param = e.alloc(working, n)
				}
				m, mv := e.input(tensor.Float32, make([]float32, n))
				v, vv := e.input(tensor.Float32, make([]float32, n))
				for step := 1; step <= 3; step++ {
					grad, gv := e.input(tensor.Float32, e.randn(n, 2))
					p.Step = step
					e.must("AdamW", s.dev.AdamW(p, param, grad, m, v, master))
					refAdamW(p, wv, gv, mv, vv)
				}
				e.expect("AdamW m", e.read(m), mv, s.tol("adamw", tensor.Float32))
				e.expect("AdamW v", e.read(v), vv, s.tol("adamw", tensor.Float32))
				if master == nil {
					e.expect("AdamW param", e.read(param), wv, s.tol("adamw", tensor.Float32))
					return
				}
				e.expect("AdamW master", e.read(master), wv, s.tol("adamw", tensor.Float32))
				// The working copy is the master rounded to its dtype, exactly.
				wm := e.read(master)
				if working == tensor.BFloat16 {
					for i := range wm {
						wm[i] = refBF16(wm[i])
					}
				}
				e.expect("AdamW working copy", e.read(param), wm, s.tol("bf16cast", working))
			})
		}
	}
}
