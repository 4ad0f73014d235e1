package gemm

// smallWork is the largest m·n·k done by the direct loop below: under it,
// packing and the micro-kernel's zero-padded edge tiles cost more than
// they save.
const smallWork = 4096

// small reports whether the problem is tiny enough for the direct loop.
func (g *problem) small() bool { return g.work() <= smallWork }

// work is m·n·k, in float64 so that it cannot overflow a 32-bit int.
func (g *problem) work() float64 { return float64(g.m) * float64(g.n) * float64(g.k) }

// direct computes the product with plain loops: one float32 dot product per
// element of C, for tiny problems only.
func (g *problem) direct() {
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			var s float32
			for p := 0; p < g.k; p++ {
				s += g.atA(i, p) * g.atB(p, j)
			}
			ci := i*g.ldc + j
			if g.beta == 0 {
				g.c[ci] = g.alpha * s
			} else {
				g.c[ci] = g.alpha*s + g.beta*g.c[ci]
			}
		}
	}
}

// atA returns op(A)[i][p].
func (g *problem) atA(i, p int) float32 {
	if g.transA {
		return g.a[p*g.lda+i]
	}
	return g.a[i*g.lda+p]
}

// atB returns op(B)[p][j].
func (g *problem) atB(p, j int) float32 {
	if g.transB {
		return g.b[j*g.ldb+p]
	}
	return g.b[p*g.ldb+j]
}
