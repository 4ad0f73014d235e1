package cpu

import (
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/kernels/cpu/gemm"
	"github.com/empirical-scaling/harness/tensor"
)

// attnBlock is the query and key block size: a worker holds one
// attnBlock×attnBlock tile of scores at a time, never the T×T matrix.
const attnBlock = 64

// attnGeom is the validated geometry of one attention call.
type attnGeom struct {
	b, t, h, dh int
	c, ld       int // model width H·Dh, and the qkv row stride 3C
	nb          int // blocks along T
	scale       float32
}

func attentionGeom(op string, s tensor.AttentionShape) (attnGeom, error) {
	if s.Batch <= 0 || s.SeqLen <= 0 || s.Heads <= 0 || s.HeadDim <= 0 {
		return attnGeom{}, fmt.Errorf("cpu: %s: invalid shape %+v", op, s)
	}
	c := s.Heads * s.HeadDim
	return attnGeom{
		b: s.Batch, t: s.SeqLen, h: s.Heads, dh: s.HeadDim, c: c, ld: 3 * c,
		nb:    (s.SeqLen + attnBlock - 1) / attnBlock,
		scale: float32(1 / math.Sqrt(float64(s.HeadDim))),
	}, nil
}

// block returns the first row and the row count of block i along T.
func (g attnGeom) block(i int) (int, int) {
	r0 := i * attnBlock
	return r0, min(attnBlock, g.t-r0)
}

// qkvOff is the offset in qkv of part (0 q, 1 k, 2 v) of head h at (b, t).
func (g attnGeom) qkvOff(b, t, h, part int) int {
	return (b*g.t+t)*g.ld + part*g.c + h*g.dh
}

// outOff is the offset in out (and dout) of head h at (b, t).
func (g attnGeom) outOff(b, t, h int) int { return (b*g.t+t)*g.c + h*g.dh }

// scores sets S (nq×nk, row stride nk) to scale·Q·Kᵀ for the query block
// at q0 and the key block at k0 of head h in batch item b.
func (g attnGeom) scores(S, qkv []float32, b, h, q0, nq, k0, nk int) {
	gemm.SgemmSerial(false, true, nq, nk, g.dh, g.scale, qkv[g.qkvOff(b, q0, h, 0):], g.ld, qkv[g.qkvOff(b, k0, h, 1):], g.ld, 0, S, nk)
}

// Attention computes causal softmax(q·kᵀ/sqrt(d))·v, flash style: one task
// per (batch item, head, query block) keeps a running max, sum and output
// for its rows while it walks the key blocks up to the diagonal, and saves
// each row's log-sum-exp.
func (d *Device) Attention(out, lse, qkv tensor.Buffer, s tensor.AttentionShape) error {
	const op = "Attention"
	g, err := attentionGeom(op, s)
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
	x, err := d.f32(op, "qkv", qkv, g.b*g.t*g.ld)
	if err != nil {
		return err
	}
	const bs = attnBlock
	parallelFor(g.b*g.h*g.nb, g.t*bs*g.dh, 1, func(lo, hi int) {
		sp := d.getScratch(bs*bs + bs*g.dh + 2*bs)
		defer d.putScratch(sp)
		S, O, M, L := (*sp)[:bs*bs], (*sp)[bs*bs:bs*bs+bs*g.dh], (*sp)[bs*bs+bs*g.dh:bs*bs+bs*g.dh+bs], (*sp)[bs*bs+bs*g.dh+bs:]
		for task := lo; task < hi; task++ {
			qb, bh := task%g.nb, task/g.nb
			b, h := bh/g.h, bh%g.h
			q0, nq := g.block(qb)
			clear(O[:nq*g.dh])
			for i := range nq {
				M[i], L[i] = float32(math.Inf(-1)), 0
			}
			for kb := 0; kb <= qb; kb++ {
				k0, nk := g.block(kb)
				g.scores(S, x, b, h, q0, nq, k0, nk)
				for i := range nq {
					row := S[i*nk : (i+1)*nk]
					lim := nk
					if kb == qb {
						lim = i + 1 // keys after the query are masked
					}
					mx := max(M[i], rowMax(row[:lim]))
					sum := expShift(row[:lim], mx)
					clear(row[lim:])
					if corr := exp32(M[i] - mx); corr != 1 {
						L[i] *= corr
						or := O[i*g.dh : (i+1)*g.dh]
						for j := range or {
							or[j] *= corr
						}
					}
					L[i] += sum
					M[i] = mx
				}
				gemm.SgemmSerial(false, false, nq, g.dh, nk, 1, S, nk, x[g.qkvOff(b, k0, h, 2):], g.ld, 1, O, g.dh)
			}
			for i := range nq {
				inv := 1 / L[i]
				dst := o[g.outOff(b, q0+i, h):][:g.dh]
				for j, v := range O[i*g.dh : (i+1)*g.dh] {
					dst[j] = v * inv
				}
				ls[(b*g.h+h)*g.t+q0+i] = M[i] + float32(math.Log(float64(L[i])))
			}
		}
	})
	return nil
}

// rowMaxGo is the largest element of a non-empty x, over four independent
// comparisons (NaN elements are skipped; they reach the output through
// the exponentials anyway). rowMax is this or a vector version of it.
func rowMaxGo(x []float32) float32 {
	m0, m1, m2, m3 := x[0], x[0], x[0], x[0]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		if x[i] > m0 {
			m0 = x[i]
		}
		if x[i+1] > m1 {
			m1 = x[i+1]
		}
		if x[i+2] > m2 {
			m2 = x[i+2]
		}
		if x[i+3] > m3 {
			m3 = x[i+3]
		}
	}
	for ; i < len(x); i++ {
		if x[i] > m0 {
			m0 = x[i]
		}
	}
	return max(m0, m1, m2, m3)
}
