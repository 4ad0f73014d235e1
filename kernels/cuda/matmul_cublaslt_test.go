package cuda

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// colMajorGemm is what cuBLASLt computes: C (m×n, column-major, ld ldc)
// = op(A)·op(B), with A and B described by their column-major layouts.
func colMajorGemm(a colMajor, abuf []float64, b colMajor, bbuf []float64, c colMajor, cbuf []float64) {
	m, n := int(c.rows), int(c.cols)
	at := func(l colMajor, buf []float64, i, j int) float64 { // element (i, j) of op(X)
		if l.op == cublasOpT {
			return buf[j+i*int(l.ld)]
		}
		return buf[i+j*int(l.ld)]
	}
	k := int(a.cols)
	if a.op == cublasOpT {
		k = int(a.rows)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for p := 0; p < k; p++ {
				s += at(a, abuf, i, p) * at(b, bbuf, p, j)
			}
			cbuf[i+j*int(c.ld)] = s
		}
	}
}

// The row-major → column-major mapping must give the row-major product for
// every combination of transposes.
func TestCublasLtOperandMapping(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			t.Run(fmt.Sprintf("transA=%v,transB=%v", ta, tb), func(t *testing.T) {
				s := tensor.MatMulShape{Batch: 1, M: 3, N: 5, K: 4, TransA: ta, TransB: tb}
				a := make([]float64, s.M*s.K)
				b := make([]float64, s.K*s.N)
				for i := range a {
					a[i] = rng.NormFloat64()
				}
				for i := range b {
					b[i] = rng.NormFloat64()
				}
				// Row-major reference.
				opA := func(i, k int) float64 {
					if ta {
						return a[k*s.M+i]
					}
					return a[i*s.K+k]
				}
				opB := func(k, j int) float64 {
					if tb {
						return b[j*s.K+k]
					}
					return b[k*s.N+j]
				}
				want := make([]float64, s.M*s.N)
				for i := 0; i < s.M; i++ {
					for j := 0; j < s.N; j++ {
						for k := 0; k < s.K; k++ {
							want[i*s.N+j] += opA(i, k) * opB(k, j)
						}
					}
				}
				la, lb, lc := ltOperands(s)
				// Dimensions must agree: op(ltA) is N×K, op(ltB) is K×M, C is N×M.
				require.Equal(t, int64(s.N), lc.rows)
				require.Equal(t, int64(s.M), lc.cols)
				got := make([]float64, s.M*s.N)
				colMajorGemm(la, b, lb, a, lc, got) // cuBLASLt's A is our B
				assert.InDeltaSlice(t, want, got, 1e-12)
			})
		}
	}
}
