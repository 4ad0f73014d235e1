package devicetest

import (
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
