package flashport

// bwdPreWarp is [B1] bwd_pre_body for the warp whose first thread has
// global index tid0: L = Dh/8 lanes per (row, head), 8 elements per lane,
// partial sums reduced by shfl_xor. Writes dsum[b,h,t] = Σ_d dO·O, and dO
// cast to bf16 into doutBF16 when non-nil.
func bwdPreWarp[InT Elem](out, dout []InT, dsum []float32, doutBF16 []BF16, BT, T, H, dh, tid0 int) {
	L := dh / 8
	var acc [32]float32
	var gid, li [32]int
	var active [32]bool
	for lane := range 32 {
		tid := tid0 + lane
		gid[lane] = tid / L
		li[lane] = tid % L
		active[lane] = gid[lane] < BT*H
		g := 0
		if active[lane] {
			g = gid[lane]
		}
		base := g*dh + li[lane]*8
		if active[lane] {
			for i := range 8 { // load8 of out and dout
				dy := toF32(dout[base+i])
				acc[lane] += dy * toF32(out[base+i])
				if doutBF16 != nil {
					doutBF16[base+i] = ToBF16(dy)
				}
			}
		}
	}
	for off := L / 2; off > 0; off /= 2 {
		o := shflXor(&acc, off)
		for lane := range 32 {
			acc[lane] += o[lane]
		}
	}
	for lane := range 32 {
		if active[lane] && li[lane] == 0 {
			row := gid[lane] / H
			h := gid[lane] % H
			b, t := row/T, row%T
			dsum[(b*H+h)*T+t] = acc[lane]
		}
	}
}

// dkdvRegs are one warp's acc_dk and acc_dv, and its P^T and dS^T of the
// current tile (kept across the ATOMIC_DQ barrier).
type dkdvRegs struct{ accDK, accDV, p, dS acc }

// bwdDkdvCTA is [B2] bwd_dkdv_body for CTA (blockIdxX, blockIdxY); a
// non-nil dqAccum selects ATOMIC_DQ.
func bwdDkdvCTA[GradT Elem](qkv, dout []BF16, lse, dsum []float32, dqkv []GradT, dqAccum []float32,
	T, H, dh int, scale float32, blockIdxX, blockIdxY int, mode LandMode, st *Stats) {
	atomicDQ := dqAccum != nil
	tr, _ := TraitsFor(dh)
	MT, BN := tr.KvMT, tr.KvBN
	kKeys := kNWarps * 16 * MT
	kTileK := kKeys * tileStride(dh)
	kTileQ := BN * tileStride(dh)
	SS := BN + 8 // row stride of sdST
	kernel, sdSTElems := "dkdv", 0
	if atomicDQ {
		kernel, sdSTElems = "dkdv_atomic", kKeys*SS
	}
	c := newCTA(kernel, 2*kTileK+4*kTileQ+sdSTElems, 4*BN, mode, st)
	sK := 0
	sV := sK + kTileK
	sQ := sV + kTileK      // 2 stages
	sdO := sQ + 2*kTileQ   // 2 stages
	sLse := 0              // smemF: 2 stages of BN
	sD := sLse + 2*BN      // smemF: 2 stages of BN
	sdST := sdO + 2*kTileQ // [kKeys][SS], ATOMIC_DQ only (after sD in the .cu)

	nBlock := blockIdxX // [B3]
	bh := blockIdxY
	b, h := bh/H, bh%H
	C := H * dh
	ld := 3 * C
	rowBase := b * T
	lseBh := bh * T  // offset of lse_bh in lse
	dsumBh := bh * T // offset of dsum_bh in dsum
	n0 := nBlock * kKeys
	mBegin := n0 / BN // [B4]
	mBlocks := (T + BN - 1) / BN
	scaleLog2 := scale * kLog2e

	// [B5] prologue.
	for tid := range kNThreads {
		c.loadTile(dh, kKeys, sK, qkv, rowBase, n0, T, ld, C+h*dh, tid)
		c.loadTile(dh, kKeys, sV, qkv, rowBase, n0, T, ld, 2*C+h*dh, tid)
		c.loadTile(dh, BN, sQ, qkv, rowBase, mBegin*BN, T, ld, h*dh, tid)
		c.loadTile(dh, BN, sdO, dout, rowBase, mBegin*BN, T, C, h*dh, tid)
		c.loadStats(BN, sLse, lse, lseBh, mBegin*BN, T, tid)
		c.loadStats(BN, sD, dsum, dsumBh, mBegin*BN, T, tid)
	}
	c.commit()

	var regs [kNWarps]dkdvRegs
	for w := range regs {
		regs[w].accDK = newAcc(MT, dh/8)
		regs[w].accDV = newAcc(MT, dh/8)
	}

	for m := mBegin; m < mBlocks; m++ {
		stage := (m - mBegin) & 1
		// [B6] prefetch.
		if m+1 < mBlocks {
			nm0 := (m + 1) * BN
			for tid := range kNThreads {
				c.loadTile(dh, BN, sQ+(stage^1)*kTileQ, qkv, rowBase, nm0, T, ld, h*dh, tid)
				c.loadTile(dh, BN, sdO+(stage^1)*kTileQ, dout, rowBase, nm0, T, C, h*dh, tid)
				c.loadStats(BN, sLse+(stage^1)*BN, lse, lseBh, nm0, T, tid)
				c.loadStats(BN, sD+(stage^1)*BN, dsum, dsumBh, nm0, T, tid)
			}
		}
		c.commit()
		c.wait(1)
		// __syncthreads()
		sQs := sQ + stage*kTileQ
		sdOs := sdO + stage*kTileQ
		sLses := sLse + stage*BN
		sDs := sD + stage*BN
		m0 := m * BN
		st.Tiles++
		if n0 > m0+BN-1 {
			st.AboveDiagonal++
		}

		for warp := range kNWarps {
			r := &regs[warp]
			w0 := n0 + warp*16*MT
			// [B7] S^T = K Q^T, dP^T = V dO^T.
			accS, accDP := newAcc(MT, BN/8), newAcc(MT, BN/8)
			c.gemmABT(dh, MT, BN, accS, sK, warp*16*MT, sQs)
			c.gemmABT(dh, MT, BN, accDP, sV, warp*16*MT, sdOs)

			// [B8] P^T, dS^T.
			needMask := m0 < n0+kKeys || m0+BN > T
			for lane := range 32 {
				g, t4 := lane>>2, lane&3
				for mt := 0; mt < MT; mt++ {
					for nb := 0; nb < BN/8; nb++ {
						for ci := range 4 {
							q := nb*8 + 2*t4 + (ci & 1)
							key := w0 + mt*16 + g + 8*(ci>>1)
							p := exp2f(accS[mt][nb][lane][ci]*scaleLog2 - c.smemF[sLses+q]*kLog2e)
							if needMask && (key > m0+q || m0+q >= T) {
								p = 0
							}
							accDP[mt][nb][lane][ci] = p * (accDP[mt][nb][lane][ci] - c.smemF[sDs+q])
							accS[mt][nb][lane][ci] = p
						}
					}
				}
			}

			if atomicDQ {
				// [B8a] dS^T to smem.
				for lane := range 32 {
					g, t4 := lane>>2, lane&3
					for mt := 0; mt < MT; mt++ {
						for nb := 0; nb < BN/8; nb++ {
							for half := range 2 {
								kl := warp*16*MT + mt*16 + g + 8*half
								v := packBF16x2(accDP[mt][nb][lane][2*half], accDP[mt][nb][lane][2*half+1])
								c.smemH[sdST+kl*SS+nb*8+2*t4] = BF16(v)
								c.smemH[sdST+kl*SS+nb*8+2*t4+1] = BF16(v >> 16)
							}
						}
					}
				}
			}
			r.p, r.dS = accS, accDP
		}
		// __syncthreads() (ATOMIC_DQ only: sdST complete)

		for warp := range kNWarps {
			r := &regs[warp]
			// [B9] dV += P^T dO, dK += dS^T Q.
			c.gemmPB(dh, MT, BN, r.accDV, r.p, sdOs)
			c.gemmPB(dh, MT, BN, r.accDK, r.dS, sQs)

			if atomicDQ {
				// [B9a] dq_accum[q] += dS K.
				kQTiles := BN / 16
				kSplit := kNWarps / kQTiles
				kCols := dh / kSplit
				S := tileStride(dh)
				mq, c0 := warp%kQTiles, (warp/kQTiles)*kCols
				accQ := newAcc(1, kCols/8)
				for kk := 0; kk < kKeys/16; kk++ {
					var a [32][4]uint32
					var aAddr [32]int
					for lane := range 32 {
						aAddr[lane] = sdST + (kk*16+(lane&7)+((lane>>4)<<3))*SS + mq*16 + ((lane>>3)&1)*8
					}
					c.ldmatrixX4(&a, &aAddr, true)
					for nd2 := 0; nd2 < kCols/16; nd2++ {
						var b [32][4]uint32
						var bAddr [32]int
						for lane := range 32 {
							bAddr[lane] = sK + (kk*16+(lane&7)+((lane>>3)&1)*8)*S + c0 + nd2*16 + (lane>>4)*8
						}
						c.ldmatrixX4(&b, &bAddr, true)
						c.mma16816(&accQ[0][2*nd2], &a, &b, 0, 1)
						c.mma16816(&accQ[0][2*nd2+1], &a, &b, 2, 3)
					}
				}
				for lane := range 32 {
					g, t4 := lane>>2, lane&3
					for half := range 2 {
						q := m0 + mq*16 + g + 8*half
						if q < T {
							dst := (rowBase+q)*C + h*dh + c0 + 2*t4
							for nd := 0; nd < kCols/8; nd++ {
								dqAccum[dst+nd*8] += accQ[0][nd][lane][2*half] // atomicAdd
								dqAccum[dst+nd*8+1] += accQ[0][nd][lane][2*half+1]
							}
						}
					}
				}
			}
		}
		// [B10] __syncthreads()
	}

	// [B11] epilogue.
	for warp := range kNWarps {
		r := &regs[warp]
		w0 := n0 + warp*16*MT
		for lane := range 32 {
			g, t4 := lane>>2, lane&3
			for ri := 0; ri < 2*MT; ri++ {
				mt, half := ri>>1, ri&1
				key := w0 + mt*16 + g + 8*half
				if key < T {
					dk := (rowBase+key)*ld + C + h*dh + 2*t4
					dv := dk + C
					for nd := 0; nd < dh/8; nd++ {
						add2(dqkv, dk+nd*8, r.accDK[mt][nd][lane][2*half]*scale, r.accDK[mt][nd][lane][2*half+1]*scale)
						add2(dqkv, dv+nd*8, r.accDV[mt][nd][lane][2*half], r.accDV[mt][nd][lane][2*half+1])
					}
				}
			}
		}
	}
}

// dqRegs are one warp's acc_dq, lse2 and drow.
type dqRegs struct {
	accDQ acc
	lse2  [][32]float32 // [2*MT][lane]
	drow  [][32]float32 // [2*MT][lane]
}

// bwdDqCTA is [B12] bwd_dq_body for CTA (blockIdxX, blockIdxY) of a grid
// (gridDimX, B*H).
func bwdDqCTA[GradT Elem](qkv, dout []BF16, lse, dsum []float32, dqkv []GradT, T, H, dh int,
	scale float32, blockIdxX, blockIdxY, gridDimX int, mode LandMode, st *Stats) {
	tr, _ := TraitsFor(dh)
	MT, BN := tr.DqMT, tr.DqBN
	kRows := kNWarps * 16 * MT
	kTileQ := kRows * tileStride(dh)
	kTileKV := BN * tileStride(dh)
	c := newCTA("dq", 2*kTileQ+4*kTileKV, 0, mode, st)
	sQ := 0
	sdO := sQ + kTileQ
	sK := sdO + kTileQ   // 2 stages
	sV := sK + 2*kTileKV // 2 stages

	mBlock := gridDimX - 1 - blockIdxX // [B13]
	bh := blockIdxY
	b, h := bh/H, bh%H
	C := H * dh
	ld := 3 * C
	rowBase := b * T
	m0 := mBlock * kRows
	nBlocks := min((T+BN-1)/BN, (m0+kRows+BN-1)/BN)
	scaleLog2 := scale * kLog2e

	// [B14] prologue.
	for tid := range kNThreads {
		c.loadTile(dh, kRows, sQ, qkv, rowBase, m0, T, ld, h*dh, tid)
		c.loadTile(dh, kRows, sdO, dout, rowBase, m0, T, C, h*dh, tid)
		c.loadTile(dh, BN, sK, qkv, rowBase, 0, T, ld, C+h*dh, tid)
		c.loadTile(dh, BN, sV, qkv, rowBase, 0, T, ld, 2*C+h*dh, tid)
	}
	c.commit()

	// [B15] row statistics into registers.
	var regs [kNWarps]dqRegs
	for warp := range regs {
		w0 := m0 + warp*16*MT
		regs[warp].accDQ = newAcc(MT, dh/8)
		regs[warp].lse2 = make([][32]float32, 2*MT)
		regs[warp].drow = make([][32]float32, 2*MT)
		for lane := range 32 {
			g := lane >> 2
			for ri := 0; ri < 2*MT; ri++ {
				row := w0 + (ri>>1)*16 + g + 8*(ri&1)
				if row < T {
					regs[warp].lse2[ri][lane] = lse[bh*T+row] * kLog2e
					regs[warp].drow[ri][lane] = dsum[bh*T+row]
				}
			}
		}
	}

	for n := 0; n < nBlocks; n++ {
		stage := n & 1
		// [B16] prefetch.
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
			// [B17] S = Q K^T, dP = dO V^T.
			accS, accDP := newAcc(MT, BN/8), newAcc(MT, BN/8)
			c.gemmABT(dh, MT, BN, accS, sQ, warp*16*MT, sKs)
			c.gemmABT(dh, MT, BN, accDP, sdO, warp*16*MT, sVs)

			// [B18] dS.
			needMask := n0+BN > m0 || n0+BN > T
			for lane := range 32 {
				g, t4 := lane>>2, lane&3
				for mt := 0; mt < MT; mt++ {
					for nb := 0; nb < BN/8; nb++ {
						for ci := range 4 {
							ri := 2*mt + (ci >> 1)
							col := n0 + nb*8 + 2*t4 + (ci & 1)
							row := w0 + mt*16 + g + 8*(ci>>1)
							p := exp2f(accS[mt][nb][lane][ci]*scaleLog2 - r.lse2[ri][lane])
							if needMask && (col > row || col >= T) {
								p = 0
							}
							accS[mt][nb][lane][ci] = p * (accDP[mt][nb][lane][ci] - r.drow[ri][lane])
						}
					}
				}
			}

			// [B19] dQ += dS K.
			c.gemmPB(dh, MT, BN, r.accDQ, accS, sKs)
		}
		// [B20] __syncthreads()
	}

	// [B21] epilogue.
	for warp := range kNWarps {
		r := &regs[warp]
		w0 := m0 + warp*16*MT
		for lane := range 32 {
			g, t4 := lane>>2, lane&3
			for ri := 0; ri < 2*MT; ri++ {
				mt, half := ri>>1, ri&1
				row := w0 + mt*16 + g + 8*half
				if row < T {
					dq := (rowBase+row)*ld + h*dh + 2*t4
					for nd := 0; nd < dh/8; nd++ {
						add2(dqkv, dq+nd*8, r.accDQ[mt][nd][lane][2*half]*scale, r.accDQ[mt][nd][lane][2*half+1]*scale)
					}
				}
			}
		}
	}
}

// bwdDqFinalizeThread is [B22] bwd_dq_finalize_body for element i:
// dqkv[q columns] += scale * dqAccum[i].
func bwdDqFinalizeThread[GradT Elem](dqAccum []float32, dqkv []GradT, n, C int, scale float32, i int) {
	if i >= n {
		return
	}
	row := i / C
	col := i % C
	p := row*3*C + col
	dqkv[p] = fromF32[GradT](toF32(dqkv[p]) + scale*dqAccum[i])
}
