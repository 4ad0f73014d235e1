package gemm

import "unsafe"

// microKernel multiplies one packed MR×kc sliver of A by one packed kc×NR
// sliver of B and stores C = alpha·(A·B) + beta·C into the MR×NR tile at c
// (row stride ldc, in elements). a holds kc groups of MR values (one
// column of the sliver each), b holds kc groups of NR values (one row
// each). When beta is +0 the kernel must not read C.
type microKernel func(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// kernel describes one micro-kernel and the blocking that suits it.
type kernel struct {
	name   string      // shown in logs and tests, e.g. "avx512-12x32"
	mr, nr int         // register tile: MR rows by NR columns of C
	kc     int         // depth of a packed slab
	mc     int         // rows of A packed at once (a multiple of mr)
	nc     int         // columns of B packed at once (a multiple of nr)
	fn     microKernel // the micro-kernel itself
	gather panelFunc   // packs panels with strided lanes (nil: Go loops)
	copy   panelFunc   // packs panels with contiguous lanes (nil: Go loops)
}

// panelFunc packs one full panel of width lanes (width ≤ 32) and kb steps
// into dst[p·width+lane]. As a gather it reads src[lane·ld+p]; as a copy
// it reads src[p·ld+lane]. mask0 and mask1 are the lane masks of lanes
// 0–15 and 16–31 (see gatherMasks).
type panelFunc func(kb int, src *float32, ld int, dst *float32, width int, mask0, mask1 uint64)

// gatherMasks returns the masks of a width-lane gather (width ≤ 32).
func gatherMasks(width int) (mask0, mask1 uint64) {
	return 1<<min(width, 16) - 1, 1<<max(width-16, 0) - 1
}

// canGather reports whether a full panel of width lanes with stride ld can
// go through gather: at most 32 lanes, int32 offsets.
func canGather(gather panelFunc, width, ld int) bool {
	return gather != nil && width <= 32 && int64(width-1)*int64(ld) < 1<<31
}

// goKernel is the pure-Go micro-kernel: a 4×8 register tile of scalar
// multiply-adds. It is the fallback on CPUs without AVX2 and FMA, on other
// architectures, and under the noasm build tag.
var goKernel = &kernel{name: "go-4x8", mr: 4, nr: 8, kc: 256, mc: 128, nc: 1024, fn: goMicro4x8}

// goMicro4x8 implements microKernel for MR=4, NR=8.
func goMicro4x8(kc int, a, b, c *float32, ldc int, alpha, beta float32) {
	const mr, nr = 4, 8
	as := unsafe.Slice(a, kc*mr)
	bs := unsafe.Slice(b, kc*nr)
	var acc [mr][nr]float32
	for p := 0; p < kc; p++ {
		ap := as[p*mr : p*mr+mr : p*mr+mr]
		bp := bs[p*nr : p*nr+nr : p*nr+nr]
		for i := range mr {
			ai := ap[i]
			row := &acc[i]
			row[0] += ai * bp[0]
			row[1] += ai * bp[1]
			row[2] += ai * bp[2]
			row[3] += ai * bp[3]
			row[4] += ai * bp[4]
			row[5] += ai * bp[5]
			row[6] += ai * bp[6]
			row[7] += ai * bp[7]
		}
	}
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	for i := range mr {
		row := cs[i*ldc : i*ldc+nr : i*ldc+nr]
		if isZero(beta) {
			for j := range nr {
				row[j] = alpha * acc[i][j]
			}
			continue
		}
		for j := range nr {
			row[j] = alpha*acc[i][j] + beta*row[j]
		}
	}
}
