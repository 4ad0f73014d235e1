package flashport

// fwdRegs are one warp's registers that live across the key-tile loop of
// fwd_body: acc_o, row_max, row_sum (with a lane index added).
type fwdRegs struct {
	accO   [][32][4]float32
	rowMax [32][2]float32
	rowSum [32][2]float32
}

// fwdCTA is fwd_body for the CTA (blockIdxX, blockIdxY) of a grid
// (gridDimX, B*H): out [B*T, C], lse [B*H*T].
func fwdCTA[OutT Elem](qkv []BF16, out []OutT, lse []float32, T, H, dh int, scale float32,
	blockIdxX, blockIdxY, gridDimX int, mode LandMode, st *Stats) {
	kTile := tileElems(dh)
	c := newCTA(5*kTile, 0, mode, st)
	sQ := 0
	sK := sQ + kTile   // 2 stages
	sV := sK + 2*kTile // 2 stages

	mBlock := gridDimX - 1 - blockIdxX // [F1] heaviest causal blocks first
	bh := blockIdxY
	b, h := bh/H, bh%H
	C := H * dh
	ld := 3 * C
	rowBase := b * T
	m0 := mBlock * kBlockM
	// [F2] causal skip.
	nBlocks := min((T+kBlockN-1)/kBlockN, (m0+kBlockM+kBlockN-1)/kBlockN)
	scaleLog2 := scale * kLog2e

	// [F3] prologue.
	for tid := range kNThreads {
		c.loadTile(dh, sQ, qkv, rowBase, m0, T, ld, h*dh, tid)
		c.loadTile(dh, sK, qkv, rowBase, 0, T, ld, C+h*dh, tid)
		c.loadTile(dh, sV, qkv, rowBase, 0, T, ld, 2*C+h*dh, tid)
	}
	c.commit()

	var regs [kNWarps]fwdRegs
	for w := range regs {
		regs[w].accO = newAcc(dh)
		for lane := range 32 {
			regs[w].rowMax[lane] = [2]float32{negInf, negInf}
		}
	}

	for n := 0; n < nBlocks; n++ {
		stage := n & 1
		// [F4] prefetch.
		if n+1 < nBlocks {
			for tid := range kNThreads {
				c.loadTile(dh, sK+(stage^1)*kTile, qkv, rowBase, (n+1)*kBlockN, T, ld, C+h*dh, tid)
				c.loadTile(dh, sV+(stage^1)*kTile, qkv, rowBase, (n+1)*kBlockN, T, ld, 2*C+h*dh, tid)
			}
		}
		c.commit()
		c.wait(1)
		// __syncthreads()
		sKs := sK + stage*kTile
		sVs := sV + stage*kTile
		n0 := n * kBlockN
		st.Tiles++
		if n0 > m0+kBlockM-1 {
			st.AboveDiagonal++
		}

		for warp := range kNWarps {
			r := &regs[warp]
			// [F5] S = Q K^T.
			var accS accTile
			c.gemmABT(dh, &accS, sQ, warp*16, sKs)

			// [F6] mask.
			if n0+kBlockN > m0 || n0+kBlockN > T {
				for lane := range 32 {
					g, t4 := lane>>2, lane&3
					for nb := 0; nb < kBlockN/8; nb++ {
						for ci := range 4 {
							col := n0 + nb*8 + 2*t4 + (ci & 1)
							row := m0 + warp*16 + g + 8*(ci>>1)
							if col > row || col >= T {
								accS[nb][lane][ci] = negInf
							}
						}
					}
				}
			}

			// [F7] online softmax.
			var corr [32][2]float32
			for ri := range 2 {
				var mx [32]float32
				for lane := range 32 {
					mx[lane] = r.rowMax[lane][ri]
					for nb := 0; nb < kBlockN/8; nb++ {
						mx[lane] = fmaxf(mx[lane], fmaxf(accS[nb][lane][2*ri], accS[nb][lane][2*ri+1]))
					}
				}
				o := shflXor(&mx, 1)
				for lane := range 32 {
					mx[lane] = fmaxf(mx[lane], o[lane])
				}
				o = shflXor(&mx, 2)
				for lane := range 32 {
					mx[lane] = fmaxf(mx[lane], o[lane])
				}
				for lane := range 32 {
					base := mx[lane] * scaleLog2
					if mx[lane] == negInf {
						base = 0
					}
					corr[lane][ri] = exp2f(r.rowMax[lane][ri]*scaleLog2 - base)
					r.rowMax[lane][ri] = mx[lane]
					var sum float32
					for nb := 0; nb < kBlockN/8; nb++ {
						for ci := 2 * ri; ci < 2*ri+2; ci++ {
							p := exp2f(accS[nb][lane][ci]*scaleLog2 - base)
							accS[nb][lane][ci] = p
							sum += p
						}
					}
					r.rowSum[lane][ri] = r.rowSum[lane][ri]*corr[lane][ri] + sum
				}
			}
			// [F8] rescale, then O += P V.
			for nd := 0; nd < dh/8; nd++ {
				for lane := range 32 {
					r.accO[nd][lane][0] *= corr[lane][0]
					r.accO[nd][lane][1] *= corr[lane][0]
					r.accO[nd][lane][2] *= corr[lane][1]
					r.accO[nd][lane][3] *= corr[lane][1]
				}
			}
			c.gemmPB(dh, r.accO, &accS, sVs)
		}
		// [F9] __syncthreads()
	}

	// [F10] epilogue.
	for warp := range kNWarps {
		r := &regs[warp]
		for ri := range 2 {
			var s [32]float32
			for lane := range 32 {
				s[lane] = r.rowSum[lane][ri]
			}
			o := shflXor(&s, 1)
			for lane := range 32 {
				s[lane] += o[lane]
			}
			o = shflXor(&s, 2)
			for lane := range 32 {
				s[lane] += o[lane]
			}
			for lane := range 32 {
				g, t4 := lane>>2, lane&3
				inv := 1 / s[lane]
				row := m0 + warp*16 + g + 8*ri
				if row < T {
					if t4 == 0 {
						lse[bh*T+row] = r.rowMax[lane][ri]*scale + logf(s[lane])
					}
					o := (rowBase+row)*C + h*dh + 2*t4
					for nd := 0; nd < dh/8; nd++ {
						store2(out, o+nd*8, r.accO[nd][lane][2*ri]*inv, r.accO[nd][lane][2*ri+1]*inv)
					}
				}
			}
		}
	}
}
