package cpu

import (
	"github.com/empirical-scaling/harness/kernels/cpu/gemm"
	"github.com/empirical-scaling/harness/tensor"
)

// fusedHeads is the number of (batch, head) pairs from which the backward
// runs one single-pass task per pair. It depends on the shape only, never
// on the core count, so a given call gives the same bits on every machine.
var fusedHeads = 16

// AttentionBackward accumulates dqkv, recomputing the probabilities block
// by block from q, k and the saved lse: P = exp(S − lse),
// dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P∘(dP − D) with D = rowsum(dO∘O),
// dK += scale·dSᵀ·Q, dQ += scale·dS·K. The dK/dV pass runs one task per
// key block and the dQ pass one per query block, so no two workers write
// the same rows and the result is deterministic. With many (batch, head)
// pairs, one task per pair does both passes' work at once instead.
func (d *Device) AttentionBackward(dqkv, dout, qkv, out, lse tensor.Buffer, s tensor.AttentionShape) error {
	const op = "AttentionBackward"
	g, err := attentionGeom(op, s)
	if err != nil {
		return err
	}
	dx, err := d.f32(op, "dqkv", dqkv, g.b*g.t*g.ld)
	if err != nil {
		return err
	}
	do, err := d.f32(op, "dout", dout, g.b*g.t*g.c)
	if err != nil {
		return err
	}
	x, err := d.f32(op, "qkv", qkv, g.b*g.t*g.ld)
	if err != nil {
		return err
	}
	o, err := d.f32(op, "out", out, g.b*g.t*g.c)
	if err != nil {
		return err
	}
	ls, err := d.f32(op, "lse", lse, g.b*g.h*g.t)
	if err != nil {
		return err
	}
	// D[b,h,t] = Σ_j dout·out over head h's columns.
	dp := d.getScratch(g.b * g.h * g.t)
	defer d.putScratch(dp)
	D := *dp
	parallelFor(g.b*g.t, 2*g.c, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			b, t := r/g.t, r%g.t
			for h := range g.h {
				off := g.outOff(b, t, h)
				var sum float32
				for j, v := range do[off : off+g.dh] {
					sum += v * o[off+j]
				}
				D[(b*g.h+h)*g.t+t] = sum
			}
		}
	})
	const bs = attnBlock
	tasks := g.b * g.h * g.nb
	cost := g.t * bs * g.dh
	// probs turns the scores S (nq×nk) into P = exp(S − lse) with the causal
	// mask, and then dP into dS = P∘(dP − D).
	probs := func(S []float32, b, h, q0, nq, k0, nk int) {
		for i := range nq {
			l := ls[(b*g.h+h)*g.t+q0+i]
			row := S[i*nk : (i+1)*nk]
			lim := min(nk, q0+i-k0+1)
			expShift(row[:max(lim, 0)], l)
			clear(row[max(lim, 0):])
		}
	}
	dscores := func(P, dP []float32, b, h, q0, nq, nk int) {
		for i := range nq {
			di := D[(b*g.h+h)*g.t+q0+i]
			dscoresRow(dP[i*nk:(i+1)*nk], P[i*nk:(i+1)*nk], di)
		}
	}
	// block does the work of one (query block, key block) pair: recompute
	// P, then dV += Pᵀ·dO, dS = P∘(dO·Vᵀ − D), dK += scale·dSᵀ·Q and, when
	// withDQ, dQ += scale·dS·K.
	block := func(P, dP []float32, b, h, qb, kb int, withDQ bool) {
		q0, nq := g.block(qb)
		k0, nk := g.block(kb)
		dO := do[g.outOff(b, q0, h):]
		g.scores(P, x, b, h, q0, nq, k0, nk)
		probs(P, b, h, q0, nq, k0, nk)
		gemm.SgemmSerial(true, false, nk, g.dh, nq, 1, P, nk, dO, g.c, 1, dx[g.qkvOff(b, k0, h, 2):], g.ld)
		gemm.SgemmSerial(false, true, nq, nk, g.dh, 1, dO, g.c, x[g.qkvOff(b, k0, h, 2):], g.ld, 0, dP, nk)
		dscores(P, dP, b, h, q0, nq, nk)
		gemm.SgemmSerial(true, false, nk, g.dh, nq, g.scale, dP, nk, x[g.qkvOff(b, q0, h, 0):], g.ld, 1, dx[g.qkvOff(b, k0, h, 1):], g.ld)
		if withDQ {
			gemm.SgemmSerial(false, false, nq, g.dh, nk, g.scale, dP, nk, x[g.qkvOff(b, k0, h, 1):], g.ld, 1, dx[g.qkvOff(b, q0, h, 0):], g.ld)
		}
	}
	if g.b*g.h >= fusedHeads {
		// Enough (batch, head) pairs to keep every worker busy: one task per
		// pair does all its blocks, dQ included, in one pass (five products
		// per block instead of seven). Every dQ, dK and dV row is summed in
		// the same order as by the two passes below, so both give the same bits.
		parallelFor(g.b*g.h, g.t*g.t*g.dh, 1, func(lo, hi int) {
			sp := d.getScratch(2 * bs * bs)
			defer d.putScratch(sp)
			P, dP := (*sp)[:bs*bs], (*sp)[bs*bs:]
			for bh := lo; bh < hi; bh++ {
				for kb := range g.nb {
					for qb := kb; qb < g.nb; qb++ {
						block(P, dP, bh/g.h, bh%g.h, qb, kb, true)
					}
				}
			}
		})
		return nil
	}
	// dV and dK: one task per key block, over the query blocks that see it.
	parallelFor(tasks, cost, 1, func(lo, hi int) {
		sp := d.getScratch(2 * bs * bs)
		defer d.putScratch(sp)
		P, dP := (*sp)[:bs*bs], (*sp)[bs*bs:]
		for task := lo; task < hi; task++ {
			kb, bh := task%g.nb, task/g.nb
			for qb := kb; qb < g.nb; qb++ {
				block(P, dP, bh/g.h, bh%g.h, qb, kb, false)
			}
		}
	})
	// dQ: one task per query block, over the key blocks it sees.
	parallelFor(tasks, cost, 1, func(lo, hi int) {
		sp := d.getScratch(2 * bs * bs)
		defer d.putScratch(sp)
		P, dP := (*sp)[:bs*bs], (*sp)[bs*bs:]
		for task := lo; task < hi; task++ {
			qb, bh := task%g.nb, task/g.nb
			b, h := bh/g.h, bh%g.h
			q0, nq := g.block(qb)
			dO := do[g.outOff(b, q0, h):]
			for kb := 0; kb <= qb; kb++ {
				k0, nk := g.block(kb)
				g.scores(P, x, b, h, q0, nq, k0, nk)
				probs(P, b, h, q0, nq, k0, nk)
				gemm.SgemmSerial(false, true, nq, nk, g.dh, 1, dO, g.c, x[g.qkvOff(b, k0, h, 2):], g.ld, 0, dP, nk)
				dscores(P, dP, b, h, q0, nq, nk)
				gemm.SgemmSerial(false, false, nq, g.dh, nk, g.scale, dP, nk, x[g.qkvOff(b, k0, h, 1):], g.ld, 1, dx[g.qkvOff(b, q0, h, 0):], g.ld)
			}
		}
	})
	return nil
}

// dscoresRowGo sets dp = p∘(dp − d): one row of dS = P∘(dP − D).
func dscoresRowGo(dp, p []float32, d float32) {
	for j, v := range p {
		dp[j] = v * (dp[j] - d)
	}
}
