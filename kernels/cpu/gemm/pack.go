package gemm

// packA copies the block op(A)[i0:i0+mb, p0:p0+kb] into dst as ceil(mb/mr)
// micro-panels. Panel r holds rows r·mr … r·mr+mr-1 column by column:
// dst[(r·kb+p)·mr+ii] = op(A)[i0+r·mr+ii][p0+p]. Rows past mb are zero.
func (g *problem) packA(dst []float32, i0, mb, p0, kb, mr int, gather, copyp panelFunc) {
	useGather := !g.transA && canGather(gather, mr, g.lda)
	useCopy := g.transA && copyp != nil && mr <= 32
	m0, m1 := gatherMasks(mr)
	for r := 0; r*mr < mb; r++ {
		panel := dst[r*kb*mr : (r+1)*kb*mr]
		rows := min(mr, mb-r*mr)
		row0 := i0 + r*mr
		if g.transA {
			// op(A)[i][p] = a[p·lda+i]: each column of the panel is a
			// contiguous run of a.
			if useCopy && rows == mr {
				copyp(kb, &g.a[p0*g.lda+row0], g.lda, &panel[0], mr, m0, m1)
				continue
			}
			for p := 0; p < kb; p++ {
				src := g.a[(p0+p)*g.lda+row0:]
				d := panel[p*mr : p*mr+mr]
				copy(d, src[:rows])
				clear(d[rows:])
			}
			continue
		}
		if useGather && rows == mr {
			gather(kb, &g.a[row0*g.lda+p0], g.lda, &panel[0], mr, m0, m1)
			continue
		}
		// op(A)[i][p] = a[i·lda+p]: each row of A is scattered with stride mr.
		for ii := 0; ii < rows; ii++ {
			src := g.a[(row0+ii)*g.lda+p0 : (row0+ii)*g.lda+p0+kb]
			for p, v := range src {
				panel[p*mr+ii] = v
			}
		}
		for ii := rows; ii < mr; ii++ {
			for p := 0; p < kb; p++ {
				panel[p*mr+ii] = 0
			}
		}
	}
}

// packB copies the block op(B)[p0:p0+kb, j0:j0+nb] into dst as ceil(nb/nr)
// micro-panels. Panel s holds columns s·nr … s·nr+nr-1 row by row:
// dst[(s·kb+p)·nr+jj] = op(B)[p0+p][j0+s·nr+jj]. Columns past nb are zero.
func (g *problem) packB(dst []float32, p0, kb, j0, nb, nr int, gather, copyp panelFunc) {
	useGather := g.transB && canGather(gather, nr, g.ldb)
	useCopy := !g.transB && copyp != nil && nr <= 32
	m0, m1 := gatherMasks(nr)
	for s := 0; s*nr < nb; s++ {
		panel := dst[s*kb*nr : (s+1)*kb*nr]
		cols := min(nr, nb-s*nr)
		col0 := j0 + s*nr
		if !g.transB {
			// op(B)[p][j] = b[p·ldb+j]: each row of the panel is a
			// contiguous run of b.
			if useCopy && cols == nr {
				copyp(kb, &g.b[p0*g.ldb+col0], g.ldb, &panel[0], nr, m0, m1)
				continue
			}
			for p := 0; p < kb; p++ {
				src := g.b[(p0+p)*g.ldb+col0:]
				d := panel[p*nr : p*nr+nr]
				copy(d, src[:cols])
				clear(d[cols:])
			}
			continue
		}
		if useGather && cols == nr {
			gather(kb, &g.b[col0*g.ldb+p0], g.ldb, &panel[0], nr, m0, m1)
			continue
		}
		// op(B)[p][j] = b[j·ldb+p]: each row of b is scattered with stride nr.
		for jj := 0; jj < cols; jj++ {
			src := g.b[(col0+jj)*g.ldb+p0 : (col0+jj)*g.ldb+p0+kb]
			for p, v := range src {
				panel[p*nr+jj] = v
			}
		}
		for jj := cols; jj < nr; jj++ {
			for p := 0; p < kb; p++ {
				panel[p*nr+jj] = 0
			}
		}
	}
}
