package gemm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoAllocsInSteadyState checks that, once the packing buffers and
// helper goroutines exist, neither entry point allocates: the buffers and
// job records are pooled.
func TestNoAllocsInSteadyState(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race: sync.Pool drops items on purpose")
	}
	table := []struct {
		name    string
		m, n, k int
		f       func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	}{
		{"Sgemm parallel", 256, 192, 160, Sgemm},
		{"Sgemm edges", 67, 45, 33, Sgemm},
		{"SgemmSerial", 128, 96, 80, SgemmSerial},
		{"tiny", 3, 5, 7, Sgemm},
	}
	for _, tt := range table {
		t.Run(tt.name, func(t *testing.T) {
			a, b, c := benchOperands(tt.m, tt.n, tt.k)
			call := func() { tt.f(false, true, tt.m, tt.n, tt.k, 1, a, tt.k, b, tt.k, 0.5, c, tt.n) }
			call() // warm-up: buffers and helpers are created here
			allocs := testing.AllocsPerRun(20, call)
			require.Zero(t, allocs, "allocations per call in steady state")
		})
	}
}
