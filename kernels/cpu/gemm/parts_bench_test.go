package gemm

import (
	"testing"
)

// BenchmarkPack times packing one 1536×384 block of A (N: row-major, T:
// transposed) and one 384×512 block of B (BN, BT) with the active kernel's
// panel widths (12 and 32 on AVX-512), reporting bytes packed per second.
func BenchmarkPack(b *testing.B) {
	const m, k = 1536, 768
	a, bb, c := benchOperands(m, 768, k)
	for _, trans := range []bool{false, true} {
		name := "N"
		if trans {
			name = "T"
		}
		b.Run(name, func(b *testing.B) {
			lda := k
			if trans {
				lda = m
			}
			g := newProblem(trans, false, m, 768, k, 1, a, lda, bb, 768, 0, c, 768)
			dst := alignedFloats(1536 * 384)
			b.SetBytes(m * 384 * 4)
			for range b.N {
				g.packA(dst, 0, m, 0, 384, 12, active.gather, active.copy)
			}
		})
		b.Run("B"+name, func(b *testing.B) {
			ldb := 768
			if trans {
				ldb = k
			}
			g := newProblem(false, trans, m, 768, k, 1, a, k, bb, ldb, 0, c, 768)
			dst := alignedFloats(512 * 384)
			b.SetBytes(512 * 384 * 4)
			for range b.N {
				g.packB(dst, 0, 384, 0, 512, 32, active.gather, active.copy)
			}
		})
	}
}

// BenchmarkMicro times each micro-kernel alone on L1-resident panels
// (kc = 384): the ceiling the blocked Sgemm can approach.
func BenchmarkMicro(b *testing.B) {
	for _, kern := range kernels() {
		b.Run(kern.name, func(b *testing.B) {
			kc := 384
			a := alignedFloats(kc * kern.mr)
			bb := alignedFloats(kc * kern.nr)
			c := alignedFloats(kern.mr * kern.nr)
			for range b.N {
				kern.fn(kc, &a[0], &bb[0], &c[0], kern.nr, 1, 0)
			}
			b.ReportMetric(float64(2*kc*kern.mr*kern.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
