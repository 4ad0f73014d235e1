package cpu

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// sumChunk is the fixed chunk of SumSquares' deterministic reduction.
const sumChunk = 1 << 14

// SumSquares returns Σ x² over every element of every float buffer, in
// float64: fixed-size chunks are summed in parallel, then the chunk sums in
// order, so the result does not depend on the number of workers.
func (d *Device) SumSquares(xs []tensor.Buffer) (float64, error) {
	const op = "SumSquares"
	var total float64
	for i, x := range xs {
		b, err := d.buf(op, fmt.Sprintf("buffer %d", i), x)
		if err != nil {
			return 0, err
		}
		if !b.dt.IsFloat() {
			return 0, fmt.Errorf("cpu: %s: buffer %d is %s, want a float dtype", op, i, b.dt)
		}
		nc := (b.n + sumChunk - 1) / sumChunk
		sp := d.getScratch64(nc)
		part := *sp
		parallelFor(nc, sumChunk, 1, func(lo, hi int) {
			for c := lo; c < hi; c++ {
				var s float64
				e := min((c+1)*sumChunk, b.n)
				if b.dt == tensor.Float32 {
					for _, v := range b.f32[c*sumChunk : e] {
						s += float64(v) * float64(v)
					}
				} else {
					for _, h := range b.bf16[c*sumChunk : e] {
						v := float64(fromBF16(h))
						s += v * v
					}
				}
				part[c] = s
			}
		})
		for _, s := range part {
			total += s
		}
		d.putScratch64(sp)
	}
	return total, nil
}
