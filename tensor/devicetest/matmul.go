package devicetest

import (
	"fmt"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// matmulShapes are batch, M, N, K; broadcast marks shapes whose A (1) or
// B (2) is shared by every batch item (stride 0).
var matmulShapes = []struct{ batch, m, n, k, broadcast int }{
	{1, 1, 1, 1, 0},
	{1, 3, 17, 5, 0},
	{1, 63, 65, 17, 0},
	{1, 65, 63, 130, 0},
	{1, 150, 96, 300, 0},
	{3, 17, 3, 63, 0},
	{4, 33, 20, 64, 1},
	{5, 9, 31, 7, 2},
}

func (s *suite) matmul(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, sh := range matmulShapes {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				for _, acc := range []bool{false, true} {
					name := fmt.Sprintf("%s/%dx%dx%dx%d/tA=%v,tB=%v/acc=%v/bcast=%d", dt, sh.batch, sh.m, sh.n, sh.k, tr[0], tr[1], acc, sh.broadcast)
					t.Run(name, func(t *testing.T) {
						ms := tensor.MatMulShape{Batch: sh.batch, M: sh.m, N: sh.n, K: sh.k, TransA: tr[0], TransB: tr[1], Accumulate: acc,
							StrideA: sh.m * sh.k, StrideB: sh.k * sh.n, StrideC: sh.m * sh.n}
						switch sh.broadcast {
						case 1:
							ms.StrideA = 0
						case 2:
							ms.StrideB = 0
						}
						s.matmulCase(t, dt, ms)
					})
				}
			}
		}
	}
}

func (s *suite) matmulCase(t *testing.T, dt tensor.DType, ms tensor.MatMulShape) {
	e := s.env(t)
	items := func(stride, size int) int { return (ms.Batch-1)*stride + size }
	a, av := e.input(dt, e.randn(items(ms.StrideA, ms.M*ms.K), 1))
	b, bv := e.input(dt, e.randn(items(ms.StrideB, ms.K*ms.N), 1))
	clen := items(ms.StrideC, ms.M*ms.N)
	var c tensor.Buffer
	var c0 []float64
	if ms.Accumulate {
		c, c0 = e.input(dt, e.randn(clen, 1))
	} else {
		c = e.alloc(dt, clen)
	}
	e.must("MatMul", s.dev.MatMul(c, a, b, ms))
	e.expect("MatMul", e.read(c), refMatMul(av, bv, c0, ms, clen), s.tol("matmul", dt))
}

// refMatMul returns C = op(A)·op(B) (+ c0 when c0 is non-nil) for every
// batch item, with the layout of tensor.MatMulShape.
func refMatMul(a, b, c0 []float64, s tensor.MatMulShape, clen int) []float64 {
	c := make([]float64, clen)
	if c0 != nil {
		copy(c, c0)
	}
	for bi := range s.Batch {
		ao, bo, co := bi*s.StrideA, bi*s.StrideB, bi*s.StrideC
		for i := range s.M {
			for j := range s.N {
				var sum float64
				for p := range s.K {
					var x, y float64
					if s.TransA {
						x = a[ao+p*s.M+i]
					} else {
						x = a[ao+i*s.K+p]
					}
					if s.TransB {
						y = b[bo+j*s.K+p]
					} else {
						y = b[bo+p*s.N+j]
					}
					sum += x * y
				}
				if s.Accumulate || (s.StrideC == 0 && bi > 0) {
					c[co+i*s.N+j] += sum
				} else {
					c[co+i*s.N+j] = sum
				}
			}
		}
	}
	return c
}
