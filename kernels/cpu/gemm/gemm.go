// Package gemm is the CPU single-precision matrix multiply behind the CPU
// device's MatMul.
//
// It follows the Goto/BLIS scheme: C is cut into macro-tiles that the
// workers share out; inside a tile the k dimension is cut into kc-deep
// slabs, and for each slab a block of A (mc×kc) and a block of B (kc×nc)
// are packed into contiguous, zero-padded micro-panels (transposes are
// resolved while packing). A register-tiled micro-kernel then multiplies
// one MR×kc sliver of A by one kc×NR sliver of B. The micro-kernel is Go
// assembly (AVX-512 or AVX2+FMA, picked at run time from the CPU features)
// with a pure-Go fallback, which the build tag noasm forces.
package gemm

import (
	"fmt"
	"math"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices,
// op(X) = X or Xᵀ. op(A) is m×k, op(B) is k×n, C is m×n; lda, ldb and ldc
// are row strides. It uses all cores (GOMAXPROCS) when the work is big
// enough. When beta is 0, C is overwritten and its old values (NaN
// included) are never read. It panics, as BLAS routines do, when a
// dimension is negative or a slice is too short for its shape and stride.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	g := newProblem(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	if g.trivial() {
		return
	}
	if g.small() || !g.worthParallel() {
		g.serial(active)
		return
	}
	g.parallel(active)
}

// SgemmSerial is Sgemm on the calling goroutine only, for callers that
// already run in parallel (e.g. one attention block per worker).
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	g := newProblem(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	if g.trivial() {
		return
	}
	g.serial(active)
}

// problem holds one validated call's arguments.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// newProblem validates the arguments and panics with a message naming the
// bad one, before any assembly gets near the slices.
func newProblem(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) problem {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	// Stored shapes: A is m×k (k×m when transposed), B is k×n (n×k).
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("a", a, ar, ac, lda)
	checkMatrix("b", b, br, bc, ldb)
	checkMatrix("c", c, m, n, ldc)
	if beta == 0 {
		beta = 0 // fold -0 into +0: the kernels test beta's bits for zero
	}
	return problem{transA, transB, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc}
}

// checkMatrix panics unless x can hold a rows×cols row-major matrix with
// row stride ld.
func checkMatrix(name string, x []float32, rows, cols, ld int) {
	if rows == 0 || cols == 0 {
		return // nothing is read or written; any stride will do
	}
	if ld < cols {
		panic(fmt.Sprintf("gemm: ld%s=%d is less than the %d columns of %s", name, ld, cols, name))
	}
	if need := (rows-1)*ld + cols; len(x) < need {
		panic(fmt.Sprintf("gemm: len(%s)=%d, need %d for %d×%d with stride %d", name, len(x), need, rows, cols, ld))
	}
}

// trivial handles the calls with no product to form (empty C, k == 0 or
// alpha == 0) and reports whether it did.
func (g *problem) trivial() bool {
	if g.m == 0 || g.n == 0 {
		return true
	}
	if g.k != 0 && g.alpha != 0 {
		return false
	}
	scaleC(g.c, g.m, g.n, g.ldc, g.beta)
	return true
}

// scaleC sets C = beta·C, writing zeros (not 0·C) when beta is 0.
func scaleC(c []float32, m, n, ldc int, beta float32) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// isZero reports whether f is +0 or -0; kept for the pure-Go kernel, which
// must not read C when beta is 0.
func isZero(f float32) bool { return math.Float32bits(f)&0x7fffffff == 0 }
