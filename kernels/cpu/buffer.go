package cpu

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// Buffer is CPU memory: one of f32, bf16 (raw bfloat16 bits) or i32 is set.
type Buffer struct {
	dt    tensor.DType
	n     int
	f32   []float32
	bf16  []uint16
	i32   []int32
	dev   *Device
	freed bool
}

// Len is the number of elements.
func (b *Buffer) Len() int { return b.n }

// DType is the element type.
func (b *Buffer) DType() tensor.DType { return b.dt }

type bufKey struct {
	dt tensor.DType
	n  int
}

// Alloc returns a buffer of n elements, reusing a freed one of the same
// dtype and length when the cache has one. Its contents are unspecified.
func (d *Device) Alloc(dt tensor.DType, n int) (tensor.Buffer, error) {
	if n <= 0 {
		return nil, fmt.Errorf("cpu: Alloc: %d elements of %s: want at least 1", n, dt)
	}
	if dt.Size() == 0 {
		return nil, fmt.Errorf("cpu: Alloc: unknown dtype %s", dt)
	}
	k := bufKey{dt, n}
	bytes := int64(n * dt.Size())
	d.mu.Lock()
	defer d.mu.Unlock()
	if l := d.free[k]; len(l) > 0 {
		b := l[len(l)-1]
		l[len(l)-1] = nil
		d.free[k] = l[:len(l)-1]
		b.freed = false
		d.stats.LiveBytes += bytes
		return b, nil
	}
	b := &Buffer{dt: dt, n: n, dev: d}
	switch dt {
	case tensor.Float32:
		b.f32 = make([]float32, n)
	case tensor.BFloat16:
		b.bf16 = make([]uint16, n)
	case tensor.Int32:
		b.i32 = make([]int32, n)
	}
	d.stats.SystemAllocs++
	d.stats.LiveBytes += bytes
	d.stats.ReservedBytes += bytes
	return b, nil
}

// Free returns b to the cache. Freeing nil, a buffer of another device, or
// a buffer twice does nothing.
func (d *Device) Free(tb tensor.Buffer) {
	b, ok := tb.(*Buffer)
	if !ok || b == nil || b.dev != d {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if b.freed {
		return
	}
	b.freed = true
	d.stats.LiveBytes -= int64(b.n * b.dt.Size())
	k := bufKey{b.dt, b.n}
	d.free[k] = append(d.free[k], b)
}

// buf checks that tb is a live buffer of this device.
func (d *Device) buf(op, name string, tb tensor.Buffer) (*Buffer, error) {
	b, ok := tb.(*Buffer)
	switch {
	case tb == nil || (ok && b == nil):
		return nil, fmt.Errorf("cpu: %s: %s is nil", op, name)
	case !ok:
		return nil, fmt.Errorf("cpu: %s: %s is a %T, not a CPU buffer", op, name, tb)
	case b.dev != d:
		return nil, fmt.Errorf("cpu: %s: %s belongs to another CPU device", op, name)
	case b.freed:
		return nil, fmt.Errorf("cpu: %s: %s was freed", op, name)
	}
	return b, nil
}

// f32 returns the float32 elements of tb, checking dtype and that it holds
// exactly n elements (n < 0: any length).
func (d *Device) f32(op, name string, tb tensor.Buffer, n int) ([]float32, error) {
	b, err := d.buf(op, name, tb)
	if err != nil {
		return nil, err
	}
	switch {
	case b.dt == tensor.BFloat16:
		return nil, errBF16(op)
	case b.dt != tensor.Float32:
		return nil, fmt.Errorf("cpu: %s: %s is %s, want F32", op, name, b.dt)
	case n >= 0 && b.n != n:
		return nil, fmt.Errorf("cpu: %s: %s has %d elements, want %d", op, name, b.n, n)
	}
	return b.f32, nil
}

// optF32 is f32 for an optional gradient output: nil gives nil.
func (d *Device) optF32(op, name string, tb tensor.Buffer, n int) ([]float32, error) {
	if tb == nil {
		return nil, nil
	}
	if b, ok := tb.(*Buffer); ok && b == nil {
		return nil, nil
	}
	return d.f32(op, name, tb, n)
}

// i32 returns the int32 elements of tb, checking dtype and length.
func (d *Device) i32(op, name string, tb tensor.Buffer, n int) ([]int32, error) {
	b, err := d.buf(op, name, tb)
	if err != nil {
		return nil, err
	}
	switch {
	case b.dt != tensor.Int32:
		return nil, fmt.Errorf("cpu: %s: %s is %s, want I32", op, name, b.dt)
	case b.n != n:
		return nil, fmt.Errorf("cpu: %s: %s has %d elements, want %d", op, name, b.n, n)
	}
	return b.i32, nil
}
