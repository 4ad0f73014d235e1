package cuda

import (
	"fmt"
	"unsafe"

	"github.com/empirical-scaling/harness/tensor"
)

// sumsqBlocks is the partial-sum grid for n elements: it depends on n
// only, so the float64 summation order is fixed for a set of shapes.
func sumsqBlocks(n int) int {
	b := (n + threads*8 - 1) / (threads * 8)
	if b > 256 {
		b = 256
	}
	if b < 1 {
		b = 1
	}
	return b
}

// SumSquares returns Σ x² over every element of every buffer, accumulated
// in float64 with a fixed order (partials per buffer, then one final sum).
func (d *Device) SumSquares(xs []tensor.Buffer) (float64, error) {
	specs := make([]spec, len(xs))
	for i, x := range xs {
		specs[i] = spec{name: fmt.Sprintf("xs[%d]", i), b: x, n: -1}
	}
	bs, err := d.check("SumSquares", specs...)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, b := range bs {
		if err := fits32("SumSquares", b.n); err != nil {
			return 0, err
		}
		total += sumsqBlocks(b.n)
	}
	var out float64
	err = d.run(func() error {
		// float64 partials, stored in a Float32 scratch buffer of twice the length.
		partial, err := d.scratchBuf("sumsq.partial", tensor.Float32, 2*(total+1))
		if err != nil {
			return err
		}
		off := 0
		for _, b := range bs {
			nb := sumsqBlocks(b.n)
			if b.n > 0 {
				if err := d.launch("sumsq_partial_"+suffix(b.dt), dim1(nb), dim1(threads), 0, partial.ptr+devicePtr(8*off), b, b.n); err != nil {
					return err
				}
			} else if err := d.drv.memsetD32Async(uint64(partial.ptr)+uint64(8*off), 0, 2*nb, d.stream); err != nil {
				return err
			}
			off += nb
		}
		result := partial.ptr + devicePtr(8*total)
		if err := d.launch("sumsq_final", dim1(1), dim1(1024), 0, result, partial, total); err != nil {
			return err
		}
		if err := d.drv.streamSync(d.stream); err != nil {
			return err
		}
		return d.drv.dtoh(unsafe.Pointer(&out), uint64(result), 8)
	})
	return out, err
}
