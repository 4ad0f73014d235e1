package flashport

// loadTile is [L1] load_tile, for one thread tid: rows row0..row0+63 (Dh
// columns from column col) of a [B*T, ld] bf16 matrix into the padded tile
// at smem offset sTile; rows >= T are zero-filled.
func (c *cta) loadTile(dh, sTile int, g []BF16, rowBase, row0, T, ld, col, tid int) {
	kChunksPerRow := dh / 8
	kChunks := kBlockM * kChunksPerRow
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

// loadStats is [L2] load_stats for one thread: g[row0+tid] into smemF[s+tid].
func (c *cta) loadStats(s int, g []float32, gOff, row0, T, tid int) {
	if tid < kBlockM {
		row := row0 + tid
		valid := row < T
		src := 0
		if valid {
			src = row
		}
		c.cpAsync4(s+tid, g, gOff+src, valid)
	}
}

// accTile is one warp's float acc[8][4] register array: [n-block][lane][reg].
type accTile [kBlockN / 8][32][4]float32

// gemmABT is [L3] gemm_abt for one warp: acc += A(16 rows of the smem tile
// at sA from row a0) · Bᵀ (64 rows of the tile at sB).
func (c *cta) gemmABT(dh int, acc *accTile, sA, a0, sB int) {
	S := tileStride(dh)
	for kk := 0; kk < dh/16; kk++ {
		var a [32][4]uint32
		var aAddr [32]int
		for lane := range 32 {
			aAddr[lane] = sA + (a0+(lane&15))*S + kk*16 + (lane>>4)*8
		}
		c.ldmatrixX4(&a, &aAddr, false)
		for nb2 := 0; nb2 < kBlockN/16; nb2++ {
			var b [32][4]uint32
			var bAddr [32]int
			for lane := range 32 {
				bAddr[lane] = sB + (nb2*16+(lane&7)+((lane>>4)<<3))*S + kk*16 + ((lane>>3)&1)*8
			}
			c.ldmatrixX4(&b, &bAddr, false)
			c.mma16816(&acc[2*nb2], &a, &b, 0, 1)
			c.mma16816(&acc[2*nb2+1], &a, &b, 2, 3)
		}
	}
}

// gemmPB is [L4] gemm_pb for one warp: acc += P·B with P (16x64) in the
// accumulator layout of gemmABT and B the 64-row smem tile at sB. acc has
// Dh/8 n-blocks.
func (c *cta) gemmPB(dh int, acc [][32][4]float32, p *accTile, sB int) {
	S := tileStride(dh)
	for kk := 0; kk < kBlockN/16; kk++ {
		var a [32][4]uint32
		for lane := range 32 {
			a[lane][0] = packBF16x2(p[2*kk][lane][0], p[2*kk][lane][1])
			a[lane][1] = packBF16x2(p[2*kk][lane][2], p[2*kk][lane][3])
			a[lane][2] = packBF16x2(p[2*kk+1][lane][0], p[2*kk+1][lane][1])
			a[lane][3] = packBF16x2(p[2*kk+1][lane][2], p[2*kk+1][lane][3])
		}
		for nd2 := 0; nd2 < dh/16; nd2++ {
			var b [32][4]uint32
			var bAddr [32]int
			for lane := range 32 {
				bAddr[lane] = sB + (kk*16+(lane&7)+((lane>>3)&1)*8)*S + nd2*16 + (lane>>4)*8
			}
			c.ldmatrixX4(&b, &bAddr, true)
			c.mma16816(&acc[2*nd2], &a, &b, 0, 1)
			c.mma16816(&acc[2*nd2+1], &a, &b, 2, 3)
		}
	}
}

// newAcc returns a zeroed float acc[Dh/8][4] per lane of one warp.
func newAcc(dh int) [][32][4]float32 { return make([][32][4]float32, dh/8) }
