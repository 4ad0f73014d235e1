package cpu

import (
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

// Fill sets every element of dst to v (rounded to BF16 for BF16 buffers).
func (d *Device) Fill(dst tensor.Buffer, v float32) error {
	const op = "Fill"
	b, err := d.buf(op, "dst", dst)
	if err != nil {
		return err
	}
	switch b.dt {
	case tensor.Float32:
		parallelFor(b.n, 1, minParallel, func(lo, hi int) { fill32(b.f32[lo:hi], v) })
	case tensor.BFloat16:
		h := toBF16(v)
		for i := range b.bf16 {
			b.bf16[i] = h
		}
	case tensor.Int32:
		if float32(int32(v)) != v {
			return fmt.Errorf("cpu: %s: %v is not an integer for an I32 buffer", op, v)
		}
		for i := range b.i32 {
			b.i32[i] = int32(v)
		}
	}
	return nil
}

// Copy copies src into dst (same length), casting between F32 and BF16.
func (d *Device) Copy(dst, src tensor.Buffer) error {
	const op = "Copy"
	db, err := d.buf(op, "dst", dst)
	if err != nil {
		return err
	}
	sb, err := d.buf(op, "src", src)
	if err != nil {
		return err
	}
	if db.n != sb.n {
		return fmt.Errorf("cpu: %s: dst has %d elements, src %d", op, db.n, sb.n)
	}
	switch {
	case db.dt == sb.dt:
		copy(db.f32, sb.f32)
		copy(db.bf16, sb.bf16)
		copy(db.i32, sb.i32)
	case db.dt == tensor.BFloat16 && sb.dt == tensor.Float32:
		parallelFor(db.n, 1, minParallel, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				db.bf16[i] = toBF16(sb.f32[i])
			}
		})
	case db.dt == tensor.Float32 && sb.dt == tensor.BFloat16:
		for i, h := range sb.bf16 {
			db.f32[i] = fromBF16(h)
		}
	default:
		return fmt.Errorf("cpu: %s: cannot cast %s to %s", op, sb.dt, db.dt)
	}
	return nil
}

// Add computes dst = a + b elementwise.
func (d *Device) Add(dst, a, b tensor.Buffer) error {
	const op = "Add"
	o, err := d.f32(op, "dst", dst, -1)
	if err != nil {
		return err
	}
	x, err := d.f32(op, "a", a, len(o))
	if err != nil {
		return err
	}
	y, err := d.f32(op, "b", b, len(o))
	if err != nil {
		return err
	}
	parallelFor(len(o), 1, minParallel, func(lo, hi int) {
		o, x, y := o[lo:hi], x[lo:hi], y[lo:hi]
		for i := range o {
			o[i] = x[i] + y[i]
		}
	})
	return nil
}

// Accumulate computes dst += alpha·src elementwise.
func (d *Device) Accumulate(dst, src tensor.Buffer, alpha float32) error {
	const op = "Accumulate"
	o, err := d.f32(op, "dst", dst, -1)
	if err != nil {
		return err
	}
	x, err := d.f32(op, "src", src, len(o))
	if err != nil {
		return err
	}
	parallelFor(len(o), 1, minParallel, func(lo, hi int) {
		o, x := o[lo:hi], x[lo:hi]
		for i := range o {
			o[i] += alpha * x[i]
		}
	})
	return nil
}

// fill32 sets every element of s to v: +0 through clear (the runtime's
// vectorised memclr), anything else by doubling copies of a filled prefix.
func fill32(s []float32, v float32) {
	if len(s) == 0 {
		return
	}
	if math.Float32bits(v) == 0 {
		clear(s)
		return
	}
	s[0] = v
	for n := 1; n < len(s); n *= 2 {
		copy(s[n:], s[:n])
	}
}
