package cuda

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// buffer is a block of device memory owned by one Device.
type buffer struct {
	ptr   devicePtr
	n     int
	dt    tensor.DType
	class int // allocator size class (bytes reserved)
	dev   *Device
	freed bool

	// Int32 buffers only: the range of the values last written, tracked on
	// the host by WriteInt32 and Fill so that ids and targets can be checked
	// without reading the buffer back (which would stall the stream).
	ranged bool
	lo, hi int32
}

// checkRange returns an error naming the first offending bound when the
// values of an Int32 buffer may lie outside [0, limit).
func (b *buffer) checkRange(op, name string, limit int) error {
	switch {
	case !b.ranged:
		return fmt.Errorf("cuda: %s: %s was never written (WriteInt32), its ids are unknown", op, name)
	case b.lo < 0:
		return fmt.Errorf("cuda: %s: %s holds %d, outside [0, %d)", op, name, b.lo, limit)
	case int(b.hi) >= limit:
		return fmt.Errorf("cuda: %s: %s holds %d, outside [0, %d)", op, name, b.hi, limit)
	}
	return nil
}

// setRange records the range of vals for checkRange.
func (b *buffer) setRange(vals []int32) {
	b.ranged = len(vals) > 0
	if !b.ranged {
		return
	}
	b.lo, b.hi = vals[0], vals[0]
	for _, v := range vals[1:] {
		b.lo = min(b.lo, v)
		b.hi = max(b.hi, v)
	}
}

// Len is the number of elements.
func (b *buffer) Len() int { return b.n }

// DType is the element type.
func (b *buffer) DType() tensor.DType { return b.dt }

func (b *buffer) bytes() int { return b.n * b.dt.Size() }

// buf checks that tb is a live buffer of this device and returns it. A nil
// tb gives a nil buffer when optional is set, an error otherwise.
func (d *Device) buf(op, name string, tb tensor.Buffer, optional bool) (*buffer, error) {
	if tb == nil {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("cuda: %s: %s is nil", op, name)
	}
	b, ok := tb.(*buffer)
	switch {
	case !ok:
		return nil, fmt.Errorf("cuda: %s: %s is a %T, not a buffer of this device", op, name, tb)
	case b.dev != d:
		return nil, fmt.Errorf("cuda: %s: %s belongs to another device", op, name)
	case b.freed:
		return nil, fmt.Errorf("cuda: %s: %s was freed", op, name)
	}
	return b, nil
}

// spec is one operand's expected length and allowed dtypes.
type spec struct {
	name     string
	b        tensor.Buffer
	n        int            // expected length; -1 for any
	dts      []tensor.DType // allowed dtypes; empty for any float
	optional bool
}

// check validates operands and returns them as buffers, in order.
func (d *Device) check(op string, specs ...spec) ([]*buffer, error) {
	out := make([]*buffer, len(specs))
	for i, s := range specs {
		b, err := d.buf(op, s.name, s.b, s.optional)
		if err != nil {
			return nil, err
		}
		if b == nil {
			continue
		}
		if s.n >= 0 && b.n != s.n {
			return nil, fmt.Errorf("cuda: %s: %s has %d elements, want %d", op, s.name, b.n, s.n)
		}
		if len(s.dts) == 0 {
			if !b.dt.IsFloat() {
				return nil, fmt.Errorf("cuda: %s: %s is %s, want a float dtype", op, s.name, b.dt)
			}
		} else if !containsDType(s.dts, b.dt) {
			return nil, fmt.Errorf("cuda: %s: %s is %s, want %v", op, s.name, b.dt, s.dts)
		}
		out[i] = b
	}
	return out, nil
}

func containsDType(dts []tensor.DType, dt tensor.DType) bool {
	for _, d := range dts {
		if d == dt {
			return true
		}
	}
	return false
}

// suffix is the kernel-name suffix of a dtype: "f32" or "bf16".
func suffix(dt tensor.DType) string {
	if dt == tensor.BFloat16 {
		return "bf16"
	}
	return "f32"
}

// sameDType checks that every buffer has the dtype of the first.
func sameDType(op string, bs ...*buffer) error {
	var first *buffer
	for _, b := range bs {
		if b == nil {
			continue
		}
		if first == nil {
			first = b
			continue
		}
		if b.dt != first.dt {
			return fmt.Errorf("cuda: %s: mixed dtypes %s and %s", op, first.dt, b.dt)
		}
	}
	return nil
}

var (
	f32Only = []tensor.DType{tensor.Float32}
	i32Only = []tensor.DType{tensor.Int32}
)
