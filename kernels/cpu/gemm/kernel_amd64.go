//go:build amd64 && !noasm

package gemm

import "golang.org/x/sys/cpu"

// microAVX512 is the AVX-512 micro-kernel (12×32 tile); see microKernel.
//
//go:noescape
func microAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// microAVX2 is the AVX2+FMA micro-kernel (6×16 tile); see microKernel.
//
//go:noescape
func microAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// gatherPanelAVX512 is the AVX-512 gatherFunc.
//
//go:noescape
func gatherPanelAVX512(kb int, src *float32, ld int, dst *float32, width int, mask0, mask1 uint64)

// copyPanelAVX512 is the AVX-512 copying panelFunc.
//
//go:noescape
func copyPanelAVX512(kb int, src *float32, ld int, dst *float32, width int, mask0, mask1 uint64)

// avx512Kernel: the 12×32 A sliver (kc·48 bytes) stays in L1 while the B
// block (kc×nc) streams from L2.
var avx512Kernel = &kernel{name: "avx512-12x32", mr: 12, nr: 32, kc: 384, mc: 1536, nc: 512, fn: microAVX512, gather: gatherPanelAVX512, copy: copyPanelAVX512}

// avx2Kernel: the same blocking idea for the 6×16 tile.
var avx2Kernel = &kernel{name: "avx2-6x16", mr: 6, nr: 16, kc: 384, mc: 1536, nc: 512, fn: microAVX2}

// kernels lists the micro-kernels this CPU can run, fastest first; the
// last one is always the pure-Go kernel.
func kernels() []*kernel {
	var ks []*kernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512Kernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernel)
	}
	return append(ks, goKernel)
}
