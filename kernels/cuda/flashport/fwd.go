package flashport

// fwdRegs are one warp's registers that live across the key-tile loop of
// fwd_body: acc_o, row_max, row_sum (with a lane index added).
type fwdRegs struct {
	accO   acc
	rowMax [][32]float32 // [2*MT][lane]
	rowSum [][32]float32 // [2*MT][lane]
}

// fwdCTA is fwd_body for the CTA (blockIdxX, blockIdxY) of a grid
// (gridDimX, B*H): out [B*T, C], lse [B*H*T].
func fwdCTA[OutT Elem](qkv []BF16, out []OutT, lse []float32, T, H, dh int, scale float32,
	blockIdxX, blockIdxY, gridDimX int, mode LandMode, st *Stats) {
	tr, _ := TraitsFor(dh)
	MT, BN := tr.FwdMT, tr.FwdBN
	kRows := kNWarps * 16 * MT // query rows per CTA
	kTileQ := kRows * tileStride(dh)
	kTileKV := BN * tileStride(dh)
	c := newCTA("fwd", kTileQ+4*kTileKV, 0, mode, st)
	sQ := 0
	sK := sQ + kTileQ    // 2 stages
	sV := sK + 2*kTileKV // 2 stages

	mBlock := gridDimX - 1 - blockIdxX // [F1] heaviest causal blocks first
	bh := blockIdxY
	b, h := bh/H, bh%H
	C := H * dh
	ld := 3 * C
	rowBase := b * T
	m0 := mBlock * kRows
	// [F2] causal skip.
	nBlocks := min((T+BN-1)/BN, (m0+kRows+BN-1)/BN)
	scaleLog2 := scale * kLog2e

	// [F3] prologue.
	for tid := range kNThreads {
		c.loadTile(dh, kRows, sQ, qkv, rowBase, m0, T, ld, h*dh, tid)
		c.loadTile(dh, BN, sK, qkv, rowBase, 0, T, ld, C+h*dh, tid)
		c.loadTile(dh, BN, sV, qkv, rowBase, 0, T, ld, 2*C+h*dh, tid)
	}
	c.commit()

	var regs [kNWarps]fwdRegs
	for w := range regs {
		regs[w].accO = newAcc(MT, dh/8)
		regs[w].rowMax = make([][32]float32, 2*MT)
		regs[w].rowSum = make([][32]float32, 2*MT)
		for r := 0; r < 2*MT; r++ {
			for lane := range 32 {
				regs[w].rowMax[r][lane] = negInf
			}
		}
	}

	for n := 0; n < nBlocks; n++ {
		stage := n & 1
		// [F4] prefetch.
		if n+1 < nBlocks {
			for tid := range kNThreads {
				c.loadTile(dh, BN, sK+(stage^1)*kTileKV, qkv, rowBase, (n+1)*BN, T, ld, C+h*dh, tid)
				c.loadTile(dh, BN, sV+(stage^1)*kTileKV, qkv, rowBase, (n+1)*BN, T, ld, 2*C+h*dh, tid)
			}
		}
		c.commit()
		c.wait(1)
		// __syncthreads()
		sKs := sK + stage*kTileKV
		sVs := sV + stage*kTileKV
		n0 := n * BN
		st.Tiles++
		if n0 > m0+kRows-1 {
			st.AboveDiagonal++
		}

		for warp := range kNWarps {
			r := &regs[warp]
			w0 := m0 + warp*16*MT
			// [F5] S = Q K^T.
			accS := newAcc(MT, BN/8)
			c.gemmABT(dh, MT, BN, accS, sQ, warp*16*MT, sKs)

			// [F6] mask.
			if n0+BN > m0 || n0+BN > T {
				for lane := range 32 {
					g, t4 := lane>>2, lane&3
					for mt := 0; mt < MT; mt++ {
						for nb := 0; nb < BN/8; nb++ {
							for ci := range 4 {
								col := n0 + nb*8 + 2*t4 + (ci & 1)
								row := w0 + mt*16 + g + 8*(ci>>1)
								if col > row || col >= T {
									accS[mt][nb][lane][ci] = negInf
								}
							}
						}
					}
				}
			}

			// [F7] online softmax.
			corr := make([][32]float32, 2*MT)
			for ri := 0; ri < 2*MT; ri++ {
				mt, half := ri>>1, ri&1
				var mx [32]float32
				for lane := range 32 {
					mx[lane] = r.rowMax[ri][lane]
					for nb := 0; nb < BN/8; nb++ {
						mx[lane] = fmaxf(mx[lane], fmaxf(accS[mt][nb][lane][2*half], accS[mt][nb][lane][2*half+1]))
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
					corr[ri][lane] = exp2f(r.rowMax[ri][lane]*scaleLog2 - base)
					r.rowMax[ri][lane] = mx[lane]
					var sum float32
					for nb := 0; nb < BN/8; nb++ {
						for ci := 2 * half; ci < 2*half+2; ci++ {
							p := exp2f(accS[mt][nb][lane][ci]*scaleLog2 - base)
							accS[mt][nb][lane][ci] = p
							sum += p
						}
					}
					r.rowSum[ri][lane] = r.rowSum[ri][lane]*corr[ri][lane] + sum
				}
			}
			// [F8] rescale, then O += P V.
			for mt := 0; mt < MT; mt++ {
				for nd := 0; nd < dh/8; nd++ {
					for lane := range 32 {
						r.accO[mt][nd][lane][0] *= corr[2*mt][lane]
						r.accO[mt][nd][lane][1] *= corr[2*mt][lane]
						r.accO[mt][nd][lane][2] *= corr[2*mt+1][lane]
						r.accO[mt][nd][lane][3] *= corr[2*mt+1][lane]
					}
				}
			}
			c.gemmPB(dh, MT, BN, r.accO, accS, sVs)
		}
		// [F9] __syncthreads()
	}

	// [F10] epilogue.
	for warp := range kNWarps {
		r := &regs[warp]
		w0 := m0 + warp*16*MT
		for ri := 0; ri < 2*MT; ri++ {
			mt, half := ri>>1, ri&1
			s := r.rowSum[ri]
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
				row := w0 + mt*16 + g + 8*half
				if row < T {
					if t4 == 0 {
						lse[bh*T+row] = r.rowMax[ri][lane]*scale + logf(s[lane])
					}
					o := (rowBase+row)*C + h*dh + 2*t4
					for nd := 0; nd < dh/8; nd++ {
						store2(out, o+nd*8, r.accO[mt][nd][lane][2*half]*inv, r.accO[mt][nd][lane][2*half+1]*inv)
					}
				}
			}
		}
	}
}
