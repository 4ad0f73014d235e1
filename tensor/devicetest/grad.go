package devicetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// fdStep is the relative step of the central differences.
const fdStep = 1e-5

// numGrad returns, for each input listed in which, the central-difference
// gradient of Σ up·f(xs) with respect to every element, in float64.
func numGrad(xs [][]float64, which []int, up []float64, f func([][]float64) []float64) [][]float64 {
	obj := func() float64 {
		var s float64
		for i, y := range f(xs) {
			s += up[i] * y
		}
		return s
	}
	out := make([][]float64, len(which))
	for k, w := range which {
		x := xs[w]
		g := make([]float64, len(x))
		for i, v := range x {
			h := fdStep * max(1, math.Abs(v))
			x[i] = v + h
			lp := obj()
			x[i] = v - h
			lm := obj()
			x[i] = v
			g[i] = (lp - lm) / (2 * h)
		}
		out[k] = g
	}
	return out
}

// numGradAt is numGrad for input w at the listed elements only, for shapes
// too big to difference every element.
func numGradAt(xs [][]float64, w int, at []int, up []float64, f func([][]float64) []float64) []float64 {
	obj := func() float64 {
		var s float64
		for i, y := range f(xs) {
			s += up[i] * y
		}
		return s
	}
	x := xs[w]
	g := make([]float64, len(at))
	for k, i := range at {
		v := x[i]
		h := fdStep * max(1, math.Abs(v))
		x[i] = v + h
		lp := obj()
		x[i] = v - h
		lm := obj()
		x[i] = v
		g[k] = (lp - lm) / (2 * h)
	}
	return g
}

// sample returns k distinct indices in [0, n), sorted, always including 0 and n−1.
func (e *env) sample(n, k int) []int {
	k = min(k, n)
	seen := map[int]bool{0: true, n - 1: true}
	for len(seen) < k {
		seen[e.rng.IntN(n)] = true
	}
	out := make([]int, 0, len(seen))
	for i := range n {
		if seen[i] {
			out = append(out, i)
		}
	}
	return out
}

// points returns every index of an input of n elements when n is small,
// else a sample of 48: central differences cost two reference forwards per
// element.
func (e *env) points(n int) []int {
	if n <= 400 {
		return e.sample(n, n)
	}
	return e.sample(n, 48)
}

// pick returns v at the listed indices.
func pick(v []float64, at []int) []float64 {
	out := make([]float64, len(at))
	for k, i := range at {
		out[k] = v[i]
	}
	return out
}

// accum returns pre + g: what a backward op must leave in a gradient
// buffer that held pre.
func accum(pre, g []float64) []float64 {
	out := make([]float64, len(g))
	for i := range g {
		out[i] = pre[i] + g[i]
	}
	return out
}

// gradBuf returns a gradient buffer pre-filled with random values (so an
// op that overwrites instead of accumulating fails) and those values.
func (e *env) gradBuf(n int) (tensor.Buffer, []float64) {
	return e.input(tensor.Float32, e.randn(n, 0.5))
}

func (s *suite) grads(t *testing.T) {
	t.Run("Embedding", s.gradEmbedding)
	t.Run("LayerNorm", s.gradLayerNorm)
	t.Run("GeLU", s.gradGeLU)
	t.Run("SwiGLU", s.gradSwiGLU)
	t.Run("Attention", s.gradAttention)
	t.Run("CrossEntropy", s.gradCrossEntropy)
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

func (s *suite) gradLayerNorm(t *testing.T) {
	for _, sh := range [][2]int{{1, 2}, {3, 5}, {4, 67}, {64, 257}} {
		for _, params := range []bool{true, false} {
			t.Run(fmt.Sprintf("%dx%d/dw,db=%v", sh[0], sh[1], params), func(t *testing.T) {
				e := s.env(t)
				rows, cols := sh[0], sh[1]
				dt := tensor.Float32
				// Each row is a shuffled ramp plus noise, so its variance is never
				// near 0: with variance ~eps, rstd ~300 multiplies float32
				// rounding in dx and no bound can separate it from a bug.
				xs := e.uniform(rows*cols, -0.3, 0.3)
				for r := range rows {
					for j, k := range e.rng.Perm(cols) {
						xs[r*cols+j] += float32(k) - float32(cols-1)/2
					}
				}
				x, xv := e.input(dt, xs)
				w, wv := e.input(dt, e.uniform(cols, 0.5, 1.5))
				b, bv := e.input(dt, e.randn(cols, 0.3))
				out, mean, rstd := e.alloc(dt, rows*cols), e.alloc(dt, rows), e.alloc(dt, rows)
				e.must("LayerNorm", s.dev.LayerNorm(out, mean, rstd, x, w, b, rows, cols))
				dout, up := e.input(dt, e.randn(rows*cols, 1))
				in := [][]float64{xv, wv, bv}
				ref := func(in [][]float64) []float64 {
					o, _, _ := refLayerNorm(in[0], in[1], in[2], rows, cols)
					return o
				}
				// Every element of small shapes; a sample of big ones.
				at := e.points
				dx, px := e.gradBuf(rows * cols)
				var dw, db tensor.Buffer
				var pw, pb []float64
				if params {
					dw, pw = e.gradBuf(cols)
					db, pb = e.gradBuf(cols)
				}
				e.must("LayerNormBackward", s.dev.LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd, rows, cols))
				ax := at(rows * cols)
				e.expect("dx", pick(e.read(dx), ax), accum(pick(px, ax), numGradAt(in, 0, ax, up, ref)), s.tol("grad", dt))
				if params {
					ac := at(cols)
					e.expect("dw", pick(e.read(dw), ac), accum(pick(pw, ac), numGradAt(in, 1, ac, up, ref)), s.tol("grad", dt))
					e.expect("db", pick(e.read(db), ac), accum(pick(pb, ac), numGradAt(in, 2, ac, up, ref)), s.tol("grad", dt))
				}
			})
		}
	}
}

func (s *suite) gradGeLU(t *testing.T) {
	for _, n := range []int{1, 17, 130, 5003} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := s.env(t)
			dt := tensor.Float32
			x, xv := e.input(dt, e.randn(n, 2.5))
			dout, up := e.input(dt, e.randn(n, 1))
			at := e.points(n)
			want := numGradAt([][]float64{xv}, 0, at, up, func(in [][]float64) []float64 { return refGeLU(in[0]) })
			dx, pre := e.gradBuf(n)
			e.must("GeLUBackward", s.dev.GeLUBackward(dx, x, dout))
			e.expect("dx", pick(e.read(dx), at), accum(pick(pre, at), want), s.tol("grad", dt))
		})
	}
}

func (s *suite) gradSwiGLU(t *testing.T) {
	for _, sh := range [][2]int{{1, 1}, {3, 17}, {70, 33}} {
		t.Run(fmt.Sprintf("%dx%d", sh[0], sh[1]), func(t *testing.T) {
			e := s.env(t)
			rows, hidden := sh[0], sh[1]
			dt := tensor.Float32
			x, xv := e.input(dt, e.randn(rows*2*hidden, 2))
			dout, up := e.input(dt, e.randn(rows*hidden, 1))
			at := e.points(len(xv))
			want := numGradAt([][]float64{xv}, 0, at, up, func(in [][]float64) []float64 { return refSwiGLU(in[0], rows, hidden) })
			dx, pre := e.gradBuf(len(xv))
			e.must("SwiGLUBackward", s.dev.SwiGLUBackward(dx, x, dout, rows, hidden))
			e.expect("dx", pick(e.read(dx), at), accum(pick(pre, at), want), s.tol("grad", dt))
		})
	}
}

func (s *suite) gradAttention(t *testing.T) {
	shapes := []tensor.AttentionShape{
		{Batch: 1, SeqLen: 1, Heads: 1, HeadDim: 1},
		{Batch: 2, SeqLen: 5, Heads: 2, HeadDim: 3},
		{Batch: 1, SeqLen: 67, Heads: 2, HeadDim: 2},   // crosses a 64-row block
		{Batch: 2, SeqLen: 130, Heads: 8, HeadDim: 16}, // many heads, three blocks: sampled elements
	}
	for _, sh := range shapes {
		t.Run(fmt.Sprintf("B%d_T%d_H%d_D%d", sh.Batch, sh.SeqLen, sh.Heads, sh.HeadDim), func(t *testing.T) {
			e := s.env(t)
			dt := tensor.Float32
			c := sh.Heads * sh.HeadDim
			qkv, xv := e.input(dt, e.randn(sh.Batch*sh.SeqLen*3*c, 1))
			out, lse := e.alloc(dt, sh.Batch*sh.SeqLen*c), e.alloc(tensor.Float32, sh.Batch*sh.Heads*sh.SeqLen)
			e.must("Attention", s.dev.Attention(out, lse, qkv, sh))
			dout, up := e.input(dt, e.randn(len(xv)/3, 1))
			ref := func(in [][]float64) []float64 {
				o, _ := refAttention(in[0], sh)
				return o
			}
			at := e.sample(len(xv), 24)
			if len(xv) <= 1000 {
				at = e.sample(len(xv), len(xv)) // every element
			}
			want := numGradAt([][]float64{xv}, 0, at, up, ref)
			dqkv, pre := e.gradBuf(len(xv))
			e.must("AttentionBackward", s.dev.AttentionBackward(dqkv, dout, qkv, out, lse, sh))
			e.expect(fmt.Sprintf("dqkv at %d elements", len(at)), pick(e.read(dqkv), at), accum(pick(pre, at), want), s.tol("grad", dt))
		})
	}
}

func (s *suite) gradCrossEntropy(t *testing.T) {
	for _, sh := range [][2]int{{1, 1}, {1, 3}, {4, 17}, {9, 65}} {
		t.Run(fmt.Sprintf("%dx%d", sh[0], sh[1]), func(t *testing.T) {
			e := s.env(t)
			rows, vocab := sh[0], sh[1]
			dt := tensor.Float32
			logits, xv := e.input(dt, e.randn(rows*vocab, 3))
			tv := e.randInts(rows, vocab)
			const scale = 1.5
			want := numGrad([][]float64{xv}, []int{0}, []float64{scale}, func(in [][]float64) []float64 {
				l, _ := refCrossEntropy(in[0], tv, rows, vocab, 1)
				return []float64{l}
			})
			loss := e.alloc(tensor.Float32, 1)
			e.must("CrossEntropy", s.dev.CrossEntropy(loss, logits, e.ints(tv), rows, vocab, scale, true))
			// Measured against scale/rows, the one-hot term that cancels
			// against a probability near 1.
			e.expectScaled("dlogits (written in place, not accumulated)", e.read(logits), want[0], constant(len(xv), scale/float64(rows)), s.tol("grad", dt))
		})
	}
}
