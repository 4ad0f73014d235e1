package devicetest

import (
	"fmt"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// leaf makes a trainable Float32 leaf tensor holding vals.
func (e *env) leaf(vals []float32, shape ...int) *tensor.Tensor {
	e.t.Helper()
	x, err := tensor.FromFloat32(e.dev, vals, shape...)
	e.must("FromFloat32", err)
	x.SetRequiresGrad(true)
	e.t.Cleanup(x.Free)
	return x
}

// grad reads a leaf's accumulated gradient.
func (e *env) grad(x *tensor.Tensor) []float64 {
	e.t.Helper()
	if x.Grad == nil {
		e.t.Fatalf("tensor %v got no gradient", x.Shape())
	}
	v, err := x.Grad.Float32s()
	e.must("read gradient", err)
	return f64(v)
}

// graphMatMul checks Graph.MatMul's backward (the device's MatMul with
// every transpose the tape derives) against finite differences of
// CrossEntropy(op(A)·op(B)), for each rank combination the Graph accepts.
func (s *suite) graphMatMul(t *testing.T) {
	type shape struct {
		rank3A, rank3B bool
		batch, m, n, k int
	}
	shapes := []shape{
		{false, false, 1, 3, 5, 4},
		{true, true, 3, 4, 3, 5},
		{true, false, 2, 5, 6, 3},
	}
	for _, sh := range shapes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			if sh.rank3A && !sh.rank3B && tr[0] {
				continue // a 3-D a with a shared b must not be transposed
			}
			t.Run(fmt.Sprintf("a3=%v,b3=%v/B%d_M%d_N%d_K%d/tA=%v,tB=%v", sh.rank3A, sh.rank3B, sh.batch, sh.m, sh.n, sh.k, tr[0], tr[1]), func(t *testing.T) {
				e := s.env(t)
				ar, ac := sh.m, sh.k
				if tr[0] {
					ar, ac = ac, ar
				}
				br, bc := sh.k, sh.n
				if tr[1] {
					br, bc = bc, br
				}
				ashape, bshape := []int{ar, ac}, []int{br, bc}
				na, nb := ar*ac, br*bc
				if sh.rank3A {
					ashape, na = []int{sh.batch, ar, ac}, sh.batch*na
				}
				if sh.rank3B {
					bshape, nb = []int{sh.batch, br, bc}, sh.batch*nb
				}
				av, bv := e.randn(na, 1), e.randn(nb, 1)
				a, b := e.leaf(av, ashape...), e.leaf(bv, bshape...)
				rows := na / (ar * ac) * sh.m
				tv := e.randInts(rows, sh.n)
				targets, err := tensor.FromInt32(s.dev, tv, rows)
				e.must("FromInt32", err)
				t.Cleanup(targets.Free)

				g := tensor.NewGraph(s.dev)
				defer g.Reset()
				c, err := g.MatMul(a, b, tr[0], tr[1])
				e.must("Graph.MatMul", err)
				loss, err := g.CrossEntropy(c, targets, 1)
				e.must("Graph.CrossEntropy", err)
				e.must("Backward", g.Backward(loss))

				ref := func(x [][]float64) []float64 {
					ms := tensor.MatMulShape{Batch: 1, M: sh.m, N: sh.n, K: sh.k, TransA: tr[0], TransB: tr[1]}
					switch {
					case sh.rank3A && sh.rank3B:
						ms.Batch, ms.StrideA, ms.StrideB, ms.StrideC = sh.batch, sh.m*sh.k, sh.k*sh.n, sh.m*sh.n
					case sh.rank3A:
						ms.M = rows
					}
					l, _ := refCrossEntropy(refMatMul(x[0], x[1], nil, ms, rows*sh.n), tv, rows, sh.n, 1)
					return []float64{l}
				}
				want := numGrad([][]float64{f64(av), f64(bv)}, []int{0, 1}, []float64{1}, ref)
				e.expect("dA", e.grad(a), want[0], s.tol("grad", tensor.Float32))
				e.expect("dB", e.grad(b), want[1], s.tol("grad", tensor.Float32))
			})
		}
	}
}
