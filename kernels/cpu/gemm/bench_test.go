package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// benchShapes are the SGEMM shapes of the benchmark suite (M×N×K): a square
// one and the three GEMMs of a d=768 transformer layer on 4096 tokens
// (attention projection, FFN up, FFN down).
var benchShapes = [][3]int{{512, 512, 512}, {4096, 768, 768}, {4096, 3072, 768}, {4096, 768, 3072}}

// BenchmarkSgemm times C = A·B (row-major, no transposes, alpha 1, beta 0)
// on every shape, with this package's Sgemm (BenchmarkSgemm/MxNxK) and with
// gonum's pure-Go blas32.Gemm (BenchmarkSgemm/gonum/MxNxK), both using all
// of GOMAXPROCS, and reports GFLOP/s for each so the ratio can be read from
// one run.
func BenchmarkSgemm(b *testing.B) {
	b.Logf("micro-kernel: %s", KernelName())
	for _, s := range benchShapes {
		m, n, k := s[0], s[1], s[2]
		name := fmt.Sprintf("%dx%dx%d", m, n, k)
		a, bb, c := benchOperands(m, n, k)
		b.Run(name, func(b *testing.B) {
			runGemmBench(b, m, n, k, func() {
				Sgemm(false, false, m, n, k, 1, a, k, bb, n, 0, c, n)
			})
		})
		b.Run("gonum/"+name, func(b *testing.B) {
			ga := blas32.General{Rows: m, Cols: k, Stride: k, Data: a}
			gb := blas32.General{Rows: k, Cols: n, Stride: n, Data: bb}
			gc := blas32.General{Rows: m, Cols: n, Stride: n, Data: c}
			runGemmBench(b, m, n, k, func() {
				blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gb, 0, gc)
			})
		})
	}
}

// benchOperands returns random A (m×k), B (k×n) and an output C (m×n).
func benchOperands(m, n, k int) (a, b, c []float32) {
	rng := rand.New(rand.NewPCG(7, 8))
	a = make([]float32, m*k)
	b = make([]float32, k*n)
	c = make([]float32, m*n)
	for i := range a {
		a[i] = rng.Float32() - 0.5
	}
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	return a, b, c
}

// runGemmBench runs f b.N times after one warm-up call and reports GFLOP/s
// (2·m·n·k floating-point operations per call).
func runGemmBench(b *testing.B, m, n, k int, f func()) {
	f()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		f()
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/sec/1e9, "GFLOP/s")
}

// BenchmarkSgemmTrans times the transposed forms that a training step's
// backward pass uses (dW = Xᵀ·dY is TN, dX = dY·Wᵀ is NT) on the
// 4096×768×768 shape, reporting GFLOP/s.
func BenchmarkSgemmTrans(b *testing.B) {
	const m, n, k = 4096, 768, 768
	a, bb, c := benchOperands(m, n, k)
	for _, tt := range []struct {
		name           string
		transA, transB bool
	}{{"NN", false, false}, {"TN", true, false}, {"NT", false, true}, {"TT", true, true}} {
		lda, ldb := k, n
		if tt.transA {
			lda = m
		}
		if tt.transB {
			ldb = k
		}
		b.Run(fmt.Sprintf("%s/%dx%dx%d", tt.name, m, n, k), func(b *testing.B) {
			runGemmBench(b, m, n, k, func() {
				Sgemm(tt.transA, tt.transB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
			})
		})
	}
}
