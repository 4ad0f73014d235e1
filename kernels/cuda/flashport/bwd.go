package flashport

// bwdPreThread is [B1] bwd_pre_body for the thread with global index idx:
// dsum[b,h,t] = Σ_d dO·O, and dO cast to bf16 into doutBF16 when non-nil.
func bwdPreThread[InT Elem](out, dout []InT, dsum []float32, doutBF16 []BF16, BT, T, H, dh, idx int) {
	if idx >= BT*H {
		return
	}
	row := idx / H
	h := idx % H
	b, t := row/T, row%T
	base := row*H*dh + h*dh
	var acc float32
	for d := 0; d < dh; d++ {
		dy := toF32(dout[base+d])
		acc += dy * toF32(out[base+d])
		if doutBF16 != nil {
			doutBF16[base+d] = ToBF16(dy)
		}
	}
	dsum[(b*H+h)*T+t] = acc
}

// dkdvRegs are one warp's acc_dk and acc_dv.
type dkdvRegs struct{ accDK, accDV [][32][4]float32 }

// bwdDkdvCTA is [B2] bwd_dkdv_body for CTA (blockIdxX, blockIdxY).
func bwdDkdvCTA[GradT Elem](qkv, dout []BF16, lse, dsum []float32, dqkv []GradT, T, H, dh int,
	scale float32, blockIdxX, blockIdxY int, mode LandMode, st *Stats) {
	kTile := tileElems(dh)
	c := newCTA(6*kTile, 4*kBlockM, mode, st)
	sK := 0
	sV := sK + kTile
	sQ := sV + kTile       // 2 stages
	sdO := sQ + 2*kTile    // 2 stages
	sLse := 0              // smemF: 2 stages of kBlockM
	sD := sLse + 2*kBlockM // smemF: 2 stages of kBlockM

	nBlock := blockIdxX // [B3]
	bh := blockIdxY
	b, h := bh/H, bh%H
	C := H * dh
	ld := 3 * C
	rowBase := b * T
	lseBh := bh * T  // offset of lse_bh in lse
	dsumBh := bh * T // offset of dsum_bh in dsum
	n0 := nBlock * kBlockN
	mBegin := n0 / kBlockM // [B4]
	mBlocks := (T + kBlockM - 1) / kBlockM
	scaleLog2 := scale * kLog2e

	// [B5] prologue.
	for tid := range kNThreads {
		c.loadTile(dh, sK, qkv, rowBase, n0, T, ld, C+h*dh, tid)
		c.loadTile(dh, sV, qkv, rowBase, n0, T, ld, 2*C+h*dh, tid)
		c.loadTile(dh, sQ, qkv, rowBase, mBegin*kBlockM, T, ld, h*dh, tid)
		c.loadTile(dh, sdO, dout, rowBase, mBegin*kBlockM, T, C, h*dh, tid)
		c.loadStats(sLse, lse, lseBh, mBegin*kBlockM, T, tid)
		c.loadStats(sD, dsum, dsumBh, mBegin*kBlockM, T, tid)
	}
	c.commit()

	var regs [kNWarps]dkdvRegs
	for w := range regs {
		regs[w].accDK = newAcc(dh)
		regs[w].accDV = newAcc(dh)
	}

	for m := mBegin; m < mBlocks; m++ {
		stage := (m - mBegin) & 1
		// [B6] prefetch.
		if m+1 < mBlocks {
			nm0 := (m + 1) * kBlockM
			for tid := range kNThreads {
				c.loadTile(dh, sQ+(stage^1)*kTile, qkv, rowBase, nm0, T, ld, h*dh, tid)
				c.loadTile(dh, sdO+(stage^1)*kTile, dout, rowBase, nm0, T, C, h*dh, tid)
				c.loadStats(sLse+(stage^1)*kBlockM, lse, lseBh, nm0, T, tid)
				c.loadStats(sD+(stage^1)*kBlockM, dsum, dsumBh, nm0, T, tid)
			}
		}
		c.commit()
		c.wait(1)
		// __syncthreads()
		sQs := sQ + stage*kTile
		sdOs := sdO + stage*kTile
		sLses := sLse + stage*kBlockM
		sDs := sD + stage*kBlockM
		m0 := m * kBlockM
		st.Tiles++
		if n0 > m0+kBlockM-1 {
			st.AboveDiagonal++
		}

		for warp := range kNWarps {
			r := &regs[warp]
			// [B7] S^T = K Q^T, dP^T = V dO^T.
			var accS, accDP accTile
			c.gemmABT(dh, &accS, sK, warp*16, sQs)
			c.gemmABT(dh, &accDP, sV, warp*16, sdOs)

			// [B8] P^T, dS^T.
			needMask := m0 < n0+kBlockN || m0+kBlockM > T
			for lane := range 32 {
				g, t4 := lane>>2, lane&3
				for nb := 0; nb < kBlockM/8; nb++ {
					for ci := range 4 {
						q := nb*8 + 2*t4 + (ci & 1)
						key := n0 + warp*16 + g + 8*(ci>>1)
						p := exp2f(accS[nb][lane][ci]*scaleLog2 - c.smemF[sLses+q]*kLog2e)
						if needMask && (key > m0+q || m0+q >= T) {
							p = 0
						}
						accDP[nb][lane][ci] = p * (accDP[nb][lane][ci] - c.smemF[sDs+q])
						accS[nb][lane][ci] = p
					}
				}
			}

			// [B9] dV += P^T dO, dK += dS^T Q.
			c.gemmPB(dh, r.accDV, &accS, sdOs)
			c.gemmPB(dh, r.accDK, &accDP, sQs)
		}
		// [B10] __syncthreads()
	}

	// [B11] epilogue.
	for warp := range kNWarps {
		r := &regs[warp]
		for lane := range 32 {
			g, t4 := lane>>2, lane&3
			for ri := range 2 {
				key := n0 + warp*16 + g + 8*ri
				if key < T {
					dk := (rowBase+key)*ld + C + h*dh + 2*t4
					dv := dk + C
					for nd := 0; nd < dh/8; nd++ {
						add2(dqkv, dk+nd*8, r.accDK[nd][lane][2*ri]*scale, r.accDK[nd][lane][2*ri+1]*scale)
						add2(dqkv, dv+nd*8, r.accDV[nd][lane][2*ri], r.accDV[nd][lane][2*ri+1])
					}
				}
			}
		}
	}
}

// dqRegs are one warp's acc_dq, lse2 and drow.
type dqRegs struct {
	accDQ [][32][4]float32
	lse2  [32][2]float32
	drow  [32][2]float32
}

// bwdDqCTA is [B12] bwd_dq_body for CTA (blockIdxX, blockIdxY) of a grid
// (gridDimX, B*H).
func bwdDqCTA[GradT Elem](qkv, dout []BF16, lse, dsum []float32, dqkv []GradT, T, H, dh int,
	scale float32, blockIdxX, blockIdxY, gridDimX int, mode LandMode, st *Stats) {
	kTile := tileElems(dh)
	c := newCTA(6*kTile, 0, mode, st)
	sQ := 0
	sdO := sQ + kTile
	sK := sdO + kTile  // 2 stages
	sV := sK + 2*kTile // 2 stages

	mBlock := gridDimX - 1 - blockIdxX // [B13]
	bh := blockIdxY
	b, h := bh/H, bh%H
	C := H * dh
	ld := 3 * C
	rowBase := b * T
	m0 := mBlock * kBlockM
	nBlocks := min((T+kBlockN-1)/kBlockN, (m0+kBlockM+kBlockN-1)/kBlockN)
	scaleLog2 := scale * kLog2e

	// [B14] prologue.
	for tid := range kNThreads {
		c.loadTile(dh, sQ, qkv, rowBase, m0, T, ld, h*dh, tid)
		c.loadTile(dh, sdO, dout, rowBase, m0, T, C, h*dh, tid)
		c.loadTile(dh, sK, qkv, rowBase, 0, T, ld, C+h*dh, tid)
		c.loadTile(dh, sV, qkv, rowBase, 0, T, ld, 2*C+h*dh, tid)
	}
	c.commit()

	// [B15] row statistics into registers.
	var regs [kNWarps]dqRegs
	for warp := range regs {
		regs[warp].accDQ = newAcc(dh)
		for lane := range 32 {
			g := lane >> 2
			for ri := range 2 {
				row := m0 + warp*16 + g + 8*ri
				if row < T {
					regs[warp].lse2[lane][ri] = lse[bh*T+row] * kLog2e
					regs[warp].drow[lane][ri] = dsum[bh*T+row]
				}
			}
		}
	}

	for n := 0; n < nBlocks; n++ {
		stage := n & 1
		// [B16] prefetch.
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
			// [B17] S = Q K^T, dP = dO V^T.
			var accS, accDP accTile
			c.gemmABT(dh, &accS, sQ, warp*16, sKs)
			c.gemmABT(dh, &accDP, sdO, warp*16, sVs)

			// [B18] dS.
			needMask := n0+kBlockN > m0 || n0+kBlockN > T
			for lane := range 32 {
				g, t4 := lane>>2, lane&3
				for nb := 0; nb < kBlockN/8; nb++ {
					for ci := range 4 {
						ri := ci >> 1
						col := n0 + nb*8 + 2*t4 + (ci & 1)
						row := m0 + warp*16 + g + 8*ri
						p := exp2f(accS[nb][lane][ci]*scaleLog2 - r.lse2[lane][ri])
						if needMask && (col > row || col >= T) {
							p = 0
						}
						accS[nb][lane][ci] = p * (accDP[nb][lane][ci] - r.drow[lane][ri])
					}
				}
			}

			// [B19] dQ += dS K.
			c.gemmPB(dh, r.accDQ, &accS, sKs)
		}
		// [B20] __syncthreads()
	}

	// [B21] epilogue.
	for warp := range kNWarps {
		r := &regs[warp]
		for lane := range 32 {
			g, t4 := lane>>2, lane&3
			for ri := range 2 {
				row := m0 + warp*16 + g + 8*ri
				if row < T {
					dq := (rowBase+row)*ld + h*dh + 2*t4
					for nd := 0; nd < dh/8; nd++ {
						add2(dqkv, dq+nd*8, r.accDQ[nd][lane][2*ri]*scale, r.accDQ[nd][lane][2*ri+1]*scale)
					}
				}
			}
		}
	}
}
