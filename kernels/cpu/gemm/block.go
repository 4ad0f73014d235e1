package gemm

import (
	"sync"
	"unsafe"
)

// buffers are one worker's packing space for one kernel's blocking.
type buffers struct {
	a   []float32 // packed block of A: mc×kc, as mr-row micro-panels
	b   []float32 // packed block of B: kc×nc, as nr-column micro-panels
	tmp []float32 // one mr×nr tile for the edges of C
}

// bufferPools holds, per kernel, the packing buffers not in use, so that a
// call in steady state allocates nothing.
var bufferPools sync.Map // *kernel → *sync.Pool of *buffers

// getBuffers takes packing buffers sized for kern from its pool.
func getBuffers(kern *kernel) *buffers {
	p, ok := bufferPools.Load(kern)
	if !ok {
		p, _ = bufferPools.LoadOrStore(kern, &sync.Pool{New: func() any {
			return &buffers{
				a:   alignedFloats(kern.mc * kern.kc),
				b:   alignedFloats(kern.nc * kern.kc),
				tmp: alignedFloats(kern.mr * kern.nr),
			}
		}})
	}
	return p.(*sync.Pool).Get().(*buffers)
}

// putBuffers returns buffers taken with getBuffers.
func putBuffers(kern *kernel, buf *buffers) {
	p, _ := bufferPools.Load(kern)
	p.(*sync.Pool).Put(buf)
}

// alignedFloats returns n float32s starting on a 64-byte (cache line)
// boundary, so that full-width vector loads never straddle two lines.
func alignedFloats(n int) []float32 {
	const align = 64 / 4
	s := make([]float32, n+align)
	off := int(uintptr(unsafe.Pointer(&s[0])) % 64 / 4)
	if off != 0 {
		off = align - off
	}
	return s[off : off+n : off+n]
}

// serial computes the whole product on the calling goroutine with kern.
func (g *problem) serial(kern *kernel) {
	if g.small() {
		g.direct()
		return
	}
	buf := getBuffers(kern)
	g.tile(kern, buf, 0, g.m, 0, g.n)
	putBuffers(kern, buf)
}

// tile computes C[i0:i1, j0:j1] over the whole k range: the Goto loops
// around the micro-kernel. The slab loop (p0) is outermost so that every
// element of the tile gets the caller's beta on the first slab and 1 on
// the later ones.
func (g *problem) tile(kern *kernel, buf *buffers, i0, i1, j0, j1 int) {
	mr, nr := kern.mr, kern.nr
	for p0 := 0; p0 < g.k; p0 += kern.kc {
		kb := min(kern.kc, g.k-p0)
		beta := g.beta
		if p0 > 0 {
			beta = 1
		}
		for ic := i0; ic < i1; ic += kern.mc {
			mb := min(kern.mc, i1-ic)
			g.packA(buf.a, ic, mb, p0, kb, mr, kern.gather, kern.copy)
			for jc := j0; jc < j1; jc += kern.nc {
				nb := min(kern.nc, j1-jc)
				g.packB(buf.b, p0, kb, jc, nb, nr, kern.gather, kern.copy)
				g.macro(kern, buf, ic, mb, jc, nb, kb, beta)
			}
		}
	}
}

// macro runs the micro-kernel over the packed blocks for
// C[ic:ic+mb, jc:jc+nb]. Full tiles go straight to C; edge tiles go
// through buf.tmp and are merged with the alpha/beta rule by hand.
func (g *problem) macro(kern *kernel, buf *buffers, ic, mb, jc, nb, kb int, beta float32) {
	mr, nr := kern.mr, kern.nr
	for ir := 0; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		ap := &buf.a[ir*kb]
		for jr := 0; jr < nb; jr += nr {
			cols := min(nr, nb-jr)
			bp := &buf.b[jr*kb]
			ci := (ic+ir)*g.ldc + jc + jr
			if rows == mr && cols == nr {
				kern.fn(kb, ap, bp, &g.c[ci], g.ldc, g.alpha, beta)
				continue
			}
			kern.fn(kb, ap, bp, &buf.tmp[0], nr, 1, 0)
			g.mergeEdge(buf.tmp, nr, ci, rows, cols, beta)
		}
	}
}

// mergeEdge stores C = alpha·T + beta·C for the rows×cols corner of the
// tile T (row stride ldt) at C offset ci.
func (g *problem) mergeEdge(t []float32, ldt, ci, rows, cols int, beta float32) {
	for i := 0; i < rows; i++ {
		crow := g.c[ci+i*g.ldc : ci+i*g.ldc+cols]
		trow := t[i*ldt : i*ldt+cols]
		if beta == 0 {
			for j, v := range trow {
				crow[j] = g.alpha * v
			}
			continue
		}
		for j, v := range trow {
			crow[j] = g.alpha*v + beta*crow[j]
		}
	}
}
