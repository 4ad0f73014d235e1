package cpu

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// Write copies host values into dst, rounding to BF16 when dst holds BF16.
func (d *Device) Write(dst tensor.Buffer, src []float32) error {
	const op = "Write"
	b, err := d.buf(op, "dst", dst)
	if err != nil {
		return err
	}
	if len(src) != b.n {
		return fmt.Errorf("cpu: %s: %d values for a buffer of %d", op, len(src), b.n)
	}
	switch b.dt {
	case tensor.Float32:
		copy(b.f32, src)
	case tensor.BFloat16:
		parallelFor(b.n, 1, minParallel, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				b.bf16[i] = toBF16(src[i])
			}
		})
	default:
		return fmt.Errorf("cpu: %s: dst is %s, want a float dtype", op, b.dt)
	}
	return nil
}

// WriteInt32 copies host integers into an Int32 buffer.
func (d *Device) WriteInt32(dst tensor.Buffer, src []int32) error {
	const op = "WriteInt32"
	b, err := d.buf(op, "dst", dst)
	if err != nil {
		return err
	}
	if b.dt != tensor.Int32 {
		return fmt.Errorf("cpu: %s: dst is %s, want I32", op, b.dt)
	}
	if len(src) != b.n {
		return fmt.Errorf("cpu: %s: %d values for a buffer of %d", op, len(src), b.n)
	}
	copy(b.i32, src)
	return nil
}

// Read copies a float buffer to the host as float32.
func (d *Device) Read(dst []float32, src tensor.Buffer) error {
	const op = "Read"
	b, err := d.buf(op, "src", src)
	if err != nil {
		return err
	}
	if len(dst) != b.n {
		return fmt.Errorf("cpu: %s: %d host values for a buffer of %d", op, len(dst), b.n)
	}
	switch b.dt {
	case tensor.Float32:
		copy(dst, b.f32)
	case tensor.BFloat16:
		for i, h := range b.bf16 {
			dst[i] = fromBF16(h)
		}
	default:
		return fmt.Errorf("cpu: %s: src is %s, want a float dtype", op, b.dt)
	}
	return nil
}
