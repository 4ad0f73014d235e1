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
