package cuda

import (
	"github.com/empirical-scaling/harness/tensor"
)

// lnChunks is how many row chunks LayerNormBackward sums dw and db over
// before the final pass. It depends only on the row count, so the
// summation order (and so every bit of dw and db) is fixed for a shape.
func lnChunks(rows int) int {
	c := (rows + 63) / 64
	if c > 1024 {
		c = 1024
	}
	if c < 1 {
		c = 1
	}
	return c
}

// Fused LayerNorm backward (layernorm_bwd_fused): 4 warps per block, each
// block owning lnFusedRows rows; per-warp dw/db accumulators in shared memory.
const (
	lnFusedWarps = 4
	lnFusedRows  = 16
)

// lnFusedChunks is the fused kernel's block count; like lnChunks it depends
// on the row count only.
func lnFusedChunks(rows int) int {
	return min(max((rows+lnFusedRows-1)/lnFusedRows, 1), 1<<16)
}

// lnFusedShared is the fused kernel's dynamic shared memory for a width.
func lnFusedShared(cols int) int { return lnFusedWarps * 2 * (cols + cols/32 + 1) * 4 }

// LayerNorm normalises each row of x, applies w and b, and saves the row
// mean and 1/std in float32.
func (d *Device) LayerNorm(out, mean, rstd, x, w, b tensor.Buffer, rows, cols int) error {
	bs, err := d.check("LayerNorm",
		spec{name: "out", b: out, n: rows * cols}, spec{name: "mean", b: mean, n: rows, dts: f32Only},
		spec{name: "rstd", b: rstd, n: rows, dts: f32Only}, spec{name: "x", b: x, n: rows * cols},
		spec{name: "w", b: w, n: cols}, spec{name: "b", b: b, n: cols})
	if err != nil {
		return err
	}
	if err := sameDType("LayerNorm", bs[0], bs[3], bs[4], bs[5]); err != nil {
		return err
	}
	if err := fits32("LayerNorm", rows, cols, rows*cols); err != nil {
		return err
	}
	return d.run(func() error {
		if rows == 0 {
			return nil
		}
		grid := dim1((rows + warpsPerBlock - 1) / warpsPerBlock)
		return d.launch("layernorm_fwd_"+suffix(bs[0].dt), grid, dim1(threads), 0, bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], rows, cols)
	})
}

// LayerNormBackward accumulates dx, dw and db (any of them may be nil).
// With dw or db wanted and a width whose accumulators fit in shared memory
// (up to ~1400 columns): one fused pass for dx and per-chunk dw/db partials,
// then a final pass over the chunks. Otherwise dx (one warp per row) and
// the partials in separate passes. Every sum has a fixed order.
func (d *Device) LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd tensor.Buffer, rows, cols int) error {
	bs, err := d.check("LayerNormBackward",
		spec{name: "dx", b: dx, n: rows * cols, optional: true}, spec{name: "dw", b: dw, n: cols, optional: true},
		spec{name: "db", b: db, n: cols, optional: true}, spec{name: "dout", b: dout, n: rows * cols},
		spec{name: "x", b: x, n: rows * cols}, spec{name: "w", b: w, n: cols},
		spec{name: "mean", b: mean, n: rows, dts: f32Only}, spec{name: "rstd", b: rstd, n: rows, dts: f32Only})
	if err != nil {
		return err
	}
	dxb, dwb, dbb, dob, xb, wb, mb, rb := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7]
	if err := sameDType("LayerNormBackward", dxb, dwb, dbb, dob, xb, wb); err != nil {
		return err
	}
	if err := fits32("LayerNormBackward", rows, cols, rows*cols); err != nil {
		return err
	}
	sfx := suffix(xb.dt)
	return d.run(func() error {
		if rows == 0 {
			return nil
		}
		fused := (dwb != nil || dbb != nil) && lnFusedShared(cols) <= maxSharedDefault
		if dxb != nil && !fused {
			grid := dim1((rows + warpsPerBlock - 1) / warpsPerBlock)
			if err := d.launch("layernorm_bwd_dx_"+sfx, grid, dim1(threads), 0, dxb, dob, xb, wb, mb, rb, rows, cols); err != nil {
				return err
			}
		}
		if dwb == nil && dbb == nil {
			return nil
		}
		if shmem := lnFusedShared(cols); shmem <= maxSharedDefault {
			chunks := lnFusedChunks(rows)
			partial, err := d.scratchBuf("layernorm.partial", tensor.Float32, 2*chunks*cols)
			if err != nil {
				return err
			}
			if err := d.launch("layernorm_bwd_fused_"+sfx, dim1(chunks), dim1(32*lnFusedWarps), shmem,
				dxb, partial, dob, xb, wb, mb, rb, rows, cols); err != nil {
				return err
			}
			return d.launch("layernorm_bwd_final_"+sfx, dim1((cols+threads-1)/threads), dim1(threads), 0, dwb, dbb, partial, chunks, cols)
		}
		chunks := lnChunks(rows)
		partial, err := d.scratchBuf("layernorm.partial", tensor.Float32, 2*chunks*cols)
		if err != nil {
			return err
		}
		colBlocks := (cols + threads - 1) / threads
		if err := d.launch("layernorm_bwd_partial_"+sfx, Dim3{colBlocks, chunks, 1}, dim1(threads), 0, partial, dob, xb, mb, rb, rows, cols); err != nil {
			return err
		}
		return d.launch("layernorm_bwd_final_"+sfx, dim1(colBlocks), dim1(threads), 0, dwb, dbb, partial, chunks, cols)
	})
}
