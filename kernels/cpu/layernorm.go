package cpu

import (
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

// lnEps is added to the variance before the square root (PyTorch's default).
const lnEps = 1e-5

// LayerNorm normalises each row of x (rows×cols) to zero mean and unit
// variance (biased; sums in float64, statistics saved as float32), then
// applies w and b; it saves each row's mean and 1/std.
func (d *Device) LayerNorm(out, mean, rstd, x, w, b tensor.Buffer, rows, cols int) error {
	const op = "LayerNorm"
	if rows <= 0 || cols <= 0 {
		return fmt.Errorf("cpu: %s: rows=%d cols=%d: want both positive", op, rows, cols)
	}
	o, err := d.f32(op, "out", out, rows*cols)
	if err != nil {
		return err
	}
	mu, err := d.f32(op, "mean", mean, rows)
	if err != nil {
		return err
	}
	rs, err := d.f32(op, "rstd", rstd, rows)
	if err != nil {
		return err
	}
	xs, err := d.f32(op, "x", x, rows*cols)
	if err != nil {
		return err
	}
	ws, err := d.f32(op, "w", w, cols)
	if err != nil {
		return err
	}
	bs, err := d.f32(op, "b", b, cols)
	if err != nil {
		return err
	}
	parallelFor(rows, 4*cols, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, or := xs[r*cols:(r+1)*cols], o[r*cols:(r+1)*cols]
			m := float32(rowSum(xr) / float64(cols))
			s := float32(1 / math.Sqrt(rowSqDev(xr, m)/float64(cols)+lnEps))
			lnApply(or, xr, ws, bs, m, s)
			mu[r], rs[r] = m, s
		}
	})
	return nil
}

// LayerNormBackward accumulates dx, dw and db (each may be nil):
// dx += rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dout·w, dw += Σ dout·x̂,
// db += Σ dout. dx is split by rows; dw and db by columns, so each element
// is summed by one worker in row order (deterministic).
func (d *Device) LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd tensor.Buffer, rows, cols int) error {
	const op = "LayerNormBackward"
	if rows <= 0 || cols <= 0 {
		return fmt.Errorf("cpu: %s: rows=%d cols=%d: want both positive", op, rows, cols)
	}
	gx, err := d.optF32(op, "dx", dx, rows*cols)
	if err != nil {
		return err
	}
	gw, err := d.optF32(op, "dw", dw, cols)
	if err != nil {
		return err
	}
	gb, err := d.optF32(op, "db", db, cols)
	if err != nil {
		return err
	}
	do, err := d.f32(op, "dout", dout, rows*cols)
	if err != nil {
		return err
	}
	xs, err := d.f32(op, "x", x, rows*cols)
	if err != nil {
		return err
	}
	ws, err := d.f32(op, "w", w, cols)
	if err != nil {
		return err
	}
	mu, err := d.f32(op, "mean", mean, rows)
	if err != nil {
		return err
	}
	rs, err := d.f32(op, "rstd", rstd, rows)
	if err != nil {
		return err
	}
	if gx != nil {
		parallelFor(rows, 8*cols, 1, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				xr, dr, gr := xs[r*cols:(r+1)*cols], do[r*cols:(r+1)*cols], gx[r*cols:(r+1)*cols]
				m, s := mu[r], rs[r]
				sg, sgx := rowGradSums(dr, ws, xr, m)
				sg /= float32(cols)
				sgx *= s / float32(cols)
				lnDx(gr, dr, ws, xr, m, s, sg, sgx)
			}
		})
	}
	if gw == nil && gb == nil {
		return nil
	}
	const block = 64
	nb := (cols + block - 1) / block
	parallelFor(nb, 4*rows*block, 1, func(lo, hi int) {
		var accW, accB [block]float64
		for blk := lo; blk < hi; blk++ {
			c0, c1 := blk*block, min((blk+1)*block, cols)
			aw, ab := accW[:c1-c0], accB[:c1-c0]
			clear(aw)
			clear(ab)
			for r := range rows {
				xr, dr := xs[r*cols+c0:r*cols+c1], do[r*cols+c0:r*cols+c1]
				lnGradAcc(aw, ab, xr, dr, mu[r], rs[r])
			}
			for j := range aw {
				if gw != nil {
					gw[c0+j] += float32(aw[j])
				}
				if gb != nil {
					gb[c0+j] += float32(ab[j])
				}
			}
		}
	})
	return nil
}

// rowSumGo is Σx in float64 (a float32 running sum of a row with a large
// mean loses ~sqrt(cols) roundings of the sum's size), over four
// accumulators so the adds do not wait on each other.
func rowSumGo(x []float32) float64 {
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a0 += float64(x[i])
		a1 += float64(x[i+1])
		a2 += float64(x[i+2])
		a3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		a0 += float64(x[i])
	}
	return (a0 + a1) + (a2 + a3)
}

// rowSqDevGo is Σ(x−m)² in float64, over four accumulators.
func rowSqDevGo(x []float32, m float32) float64 {
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := float64(x[i]-m), float64(x[i+1]-m), float64(x[i+2]-m), float64(x[i+3]-m)
		a0 += d0 * d0
		a1 += d1 * d1
		a2 += d2 * d2
		a3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := float64(x[i] - m)
		a0 += d * d
	}
	return (a0 + a1) + (a2 + a3)
}

// rowGradSumsGo returns Σ g and Σ g·(x−m) for g = dout·w, in float32 over
// two accumulators each.
func rowGradSumsGo(dout, w, x []float32, m float32) (float32, float32) {
	var s0, s1, t0, t1 float32
	i := 0
	for ; i+2 <= len(x); i += 2 {
		g0, g1 := dout[i]*w[i], dout[i+1]*w[i+1]
		s0 += g0
		s1 += g1
		t0 += g0 * (x[i] - m)
		t1 += g1 * (x[i+1] - m)
	}
	if i < len(x) {
		g := dout[i] * w[i]
		s0 += g
		t0 += g * (x[i] - m)
	}
	return s0 + s1, t0 + t1
}

// lnApplyGo sets o = (x−m)·s·w + b.
func lnApplyGo(o, x, w, b []float32, m, s float32) {
	for j, v := range x {
		o[j] = (v-m)*s*w[j] + b[j]
	}
}

// lnDxGo accumulates gx += s·(dout·w − sg − x̂·sgx), x̂ = (x−m)·s.
func lnDxGo(gx, dout, w, x []float32, m, s, sg, sgx float32) {
	for j, v := range x {
		xh := (v - m) * s
		gx[j] += s * (dout[j]*w[j] - sg - xh*sgx)
	}
}

// lnGradAccGo accumulates aw += dout·(x−m)·s and ab += dout in float64.
func lnGradAccGo(aw, ab []float64, x, dout []float32, m, s float32) {
	for j, v := range x {
		aw[j] += float64(dout[j] * (v - m) * s)
		ab[j] += float64(dout[j])
	}
}
