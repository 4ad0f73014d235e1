package flashport

// loadTile is [L1] load_tile<Dh, rows>, for one thread tid: rows
// row0..row0+rows-1 (Dh columns from column col) of a [B*T, ld] bf16 matrix
// into the padded tile at smem offset sTile; rows >= T are zero-filled.
func (c *cta) loadTile(dh, rows, sTile int, g []BF16, rowBase, row0, T, ld, col, tid int) {
	kChunksPerRow := dh / 8
	kChunks := rows * kChunksPerRow
	if kChunks%kNThreads != 0 {
		panic("load_tile: tile chunks must split evenly over the CTA")
	}
	for i := 0; i < kChunks/kNThreads; i++ {
		cidx := tid + i*kNThreads
		r := cidx / kChunksPerRow
		cc := (cidx % kChunksPerRow) * 8
		row := row0 + r
		valid := row < T
		srcRow := 0
		if valid {
			srcRow = row
		}
		src := (rowBase+srcRow)*ld + col + cc
		c.cpAsync16(sTile+r*tileStride(dh)+cc, g, src, valid)
	}
}

// loadStats is [L2] load_stats<rows> for one thread: g[gOff+row0+tid] into
// smemF[s+tid].
func (c *cta) loadStats(rows, s int, g []float32, gOff, row0, T, tid int) {
	if rows > kNThreads {
		panic("load_stats: one statistic per thread")
	}
	if tid < rows {
		row := row0 + tid
		valid := row < T
		src := 0
		if valid {
			src = row
		}
		c.cpAsync4(s+tid, g, gOff+src, valid)
	}
}

// acc is one warp's float acc[MT][N][4] register array: [mt][n][lane][reg].
type acc [][][32][4]float32

// newAcc returns a zeroed acc[mt][n][4] for each lane of one warp.
func newAcc(mt, n int) acc {
	a := make(acc, mt)
	for i := range a {
		a[i] = make([][32][4]float32, n)
	}
	return a
}

// gemmABT is [L3] gemm_abt<Dh, MT, BN> for one warp: a[mt][nb] += A(16·MT
// rows of the smem tile at sA from row a0) · Bᵀ (BN rows of the tile at sB).
func (c *cta) gemmABT(dh, MT, BN int, a acc, sA, a0, sB int) {
	S := tileStride(dh)
	for kk := 0; kk < dh/16; kk++ {
		fa := make([][32][4]uint32, MT)
		for mt := 0; mt < MT; mt++ {
			var aAddr [32]int
			for lane := range 32 {
				aAddr[lane] = sA + (a0+mt*16+(lane&15))*S + kk*16 + (lane>>4)*8
			}
			c.ldmatrixX4(&fa[mt], &aAddr, false)
		}
		for nb2 := 0; nb2 < BN/16; nb2++ {
			var b [32][4]uint32
			var bAddr [32]int
			for lane := range 32 {
				bAddr[lane] = sB + (nb2*16+(lane&7)+((lane>>4)<<3))*S + kk*16 + ((lane>>3)&1)*8
			}
			c.ldmatrixX4(&b, &bAddr, false)
			for mt := 0; mt < MT; mt++ {
				c.mma16816(&a[mt][2*nb2], &fa[mt], &b, 0, 1)
				c.mma16816(&a[mt][2*nb2+1], &fa[mt], &b, 2, 3)
			}
		}
	}
}

// gemmPB is [L4] gemm_pb<Dh, MT, BN> for one warp: a[mt][nd] += P·B with P
// (16·MT x BN) in the accumulator layout of gemmABT and B the BN-row smem
// tile at sB.
func (c *cta) gemmPB(dh, MT, BN int, a acc, p acc, sB int) {
	S := tileStride(dh)
	for kk := 0; kk < BN/16; kk++ {
		fa := make([][32][4]uint32, MT)
		for mt := 0; mt < MT; mt++ {
			for lane := range 32 {
				fa[mt][lane][0] = packBF16x2(p[mt][2*kk][lane][0], p[mt][2*kk][lane][1])
				fa[mt][lane][1] = packBF16x2(p[mt][2*kk][lane][2], p[mt][2*kk][lane][3])
				fa[mt][lane][2] = packBF16x2(p[mt][2*kk+1][lane][0], p[mt][2*kk+1][lane][1])
				fa[mt][lane][3] = packBF16x2(p[mt][2*kk+1][lane][2], p[mt][2*kk+1][lane][3])
			}
		}
		for nd2 := 0; nd2 < dh/16; nd2++ {
			var b [32][4]uint32
			var bAddr [32]int
			for lane := range 32 {
				bAddr[lane] = sB + (kk*16+(lane&7)+((lane>>3)&1)*8)*S + nd2*16 + (lane>>4)*8
			}
			c.ldmatrixX4(&b, &bAddr, true)
			for mt := 0; mt < MT; mt++ {
				c.mma16816(&a[mt][2*nd2], &fa[mt], &b, 0, 1)
				c.mma16816(&a[mt][2*nd2+1], &fa[mt], &b, 2, 3)
			}
		}
	}
}
