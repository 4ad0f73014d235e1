// Package tensor holds the Tensor type, the Device interface that lists
// every op the engine needs, and the reverse-mode tape (Graph) that records
// ops and runs their backward. It holds no math loops and no device calls
// of its own kind: every computation is delegated to a Device.
package tensor

import (
	"errors"
	"fmt"
)

// Tensor is an n-dimensional array in a device buffer, row-major.
//
// Leaf tensors (parameters, inputs) are made with New, FromFloat32 or
// FromInt32 and live until Free. Tensors returned by Graph ops belong to
// that graph and are released by its Reset.
type Tensor struct {
	shape        []int
	buf          Buffer
	dev          Device
	requiresGrad bool
	graph        *Graph // the graph that produced it; nil for leaves
	consumed     string // non-empty when an op overwrote the contents in place

	// Grad is the gradient of the loss with respect to this tensor, filled by
	// Backward. A leaf's Grad persists across steps and accumulates until
	// ZeroGrad; an intermediate's Grad is released by Reset.
	Grad *Tensor
}

// ErrShape is wrapped by every error about mismatched or invalid shapes.
var ErrShape = errors.New("invalid shape")

func shapeErr(op, format string, args ...any) error {
	return fmt.Errorf("tensor: %s: %w: %s", op, ErrShape, fmt.Sprintf(format, args...))
}

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func checkShape(op string, shape []int) error {
	if len(shape) == 0 {
		return shapeErr(op, "empty shape")
	}
	for _, s := range shape {
		if s <= 0 {
			return shapeErr(op, "non-positive dimension in %v", shape)
		}
	}
	return nil
}

// New allocates a zeroed tensor of the given dtype and shape on dev.
func New(dev Device, dt DType, shape ...int) (*Tensor, error) {
	t, err := alloc(dev, "New", dt, shape)
	if err != nil {
		return nil, err
	}
	if err := dev.Fill(t.buf, 0); err != nil {
		dev.Free(t.buf)
		return nil, fmt.Errorf("tensor: New: zero %v: %w", shape, err)
	}
	return t, nil
}

func alloc(dev Device, op string, dt DType, shape []int) (*Tensor, error) {
	if err := checkShape(op, shape); err != nil {
		return nil, err
	}
	buf, err := dev.Alloc(dt, numel(shape))
	if err != nil {
		return nil, fmt.Errorf("tensor: %s: allocate %s %v on %s: %w", op, dt, shape, dev.Name(), err)
	}
	return &Tensor{shape: append([]int(nil), shape...), buf: buf, dev: dev}, nil
}

// FromFloat32 makes a Float32 tensor on dev holding a copy of data.
func FromFloat32(dev Device, data []float32, shape ...int) (*Tensor, error) {
	return FromFloat32As(dev, Float32, data, shape...)
}

// FromFloat32As makes a float tensor of dtype dt on dev holding data converted to dt.
func FromFloat32As(dev Device, dt DType, data []float32, shape ...int) (*Tensor, error) {
	if !dt.IsFloat() {
		return nil, fmt.Errorf("tensor: FromFloat32As: %s is not a float dtype", dt)
	}
	if err := checkShape("FromFloat32", shape); err != nil {
		return nil, err
	}
	if numel(shape) != len(data) {
		return nil, shapeErr("FromFloat32", "%d values for shape %v", len(data), shape)
	}
	t, err := alloc(dev, "FromFloat32", dt, shape)
	if err != nil {
		return nil, err
	}
	if err := dev.Write(t.buf, data); err != nil {
		dev.Free(t.buf)
		return nil, fmt.Errorf("tensor: FromFloat32: %w", err)
	}
	return t, nil
}

// FromInt32 makes an Int32 tensor on dev holding a copy of data.
func FromInt32(dev Device, data []int32, shape ...int) (*Tensor, error) {
	if err := checkShape("FromInt32", shape); err != nil {
		return nil, err
	}
	if numel(shape) != len(data) {
		return nil, shapeErr("FromInt32", "%d values for shape %v", len(data), shape)
	}
	t, err := alloc(dev, "FromInt32", Int32, shape)
	if err != nil {
		return nil, err
	}
	if err := dev.WriteInt32(t.buf, data); err != nil {
		dev.Free(t.buf)
		return nil, fmt.Errorf("tensor: FromInt32: %w", err)
	}
	return t, nil
}

// Shape returns a copy of the tensor's dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Dim returns dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Len is the number of elements (also after the buffer was released).
func (t *Tensor) Len() int { return numel(t.shape) }

// DType is the element type.
func (t *Tensor) DType() DType { return t.buf.DType() }

// Buffer is the device buffer holding the elements.
func (t *Tensor) Buffer() Buffer { return t.buf }

// Device is the device that owns the buffer.
func (t *Tensor) Device() Device { return t.dev }

// RequiresGrad reports whether Backward computes a gradient for t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor (a parameter) as trainable.
func (t *Tensor) SetRequiresGrad(on bool) { t.requiresGrad = on }

// Float32s copies the elements to the host as float32.
func (t *Tensor) Float32s() ([]float32, error) {
	if t.buf == nil {
		return nil, fmt.Errorf("tensor: Float32s: tensor %v was released (its graph was Reset or it was freed)", t.shape)
	}
	if t.consumed != "" {
		return nil, fmt.Errorf("tensor: Float32s: contents were overwritten by %s", t.consumed)
	}
	out := make([]float32, t.Len())
	if err := t.dev.Read(out, t.buf); err != nil {
		return nil, fmt.Errorf("tensor: Float32s %v: %w", t.shape, err)
	}
	return out, nil
}

// Item returns the only element of a one-element float tensor.
func (t *Tensor) Item() (float32, error) {
	if t.Len() != 1 {
		return 0, shapeErr("Item", "tensor of shape %v has %d elements", t.shape, t.Len())
	}
	v, err := t.Float32s()
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// CopyFrom overwrites a float tensor's elements with data.
func (t *Tensor) CopyFrom(data []float32) error {
	if len(data) != t.Len() {
		return shapeErr("CopyFrom", "%d values for shape %v", len(data), t.shape)
	}
	t.consumed = ""
	return t.dev.Write(t.buf, data)
}

// CopyFromInt32 overwrites an Int32 tensor's elements with data.
func (t *Tensor) CopyFromInt32(data []int32) error {
	if len(data) != t.Len() {
		return shapeErr("CopyFromInt32", "%d values for shape %v", len(data), t.shape)
	}
	return t.dev.WriteInt32(t.buf, data)
}

// ZeroGrad sets a leaf's accumulated gradient to zero (allocating it if needed).
func (t *Tensor) ZeroGrad() error {
	if t.buf == nil {
		return fmt.Errorf("tensor: ZeroGrad: tensor %v was released", t.shape)
	}
	if t.Grad == nil {
		g, err := New(t.dev, t.DType(), t.shape...)
		if err != nil {
			return fmt.Errorf("tensor: ZeroGrad: %w", err)
		}
		t.Grad = g
		return nil
	}
	return t.dev.Fill(t.Grad.buf, 0)
}

// Free releases a leaf tensor's buffer and its gradient. Tensors made by a
// Graph are released by the graph's Reset instead.
func (t *Tensor) Free() {
	if t.graph != nil || t.buf == nil {
		return
	}
	if t.Grad != nil {
		t.Grad.Free()
		t.Grad = nil
	}
	t.dev.Free(t.buf)
	t.buf = nil
}

// Backward computes the gradients of this scalar loss with respect to every
// tensor that requires them, see Graph.Backward.
func (t *Tensor) Backward() error {
	if t.graph == nil {
		return fmt.Errorf("tensor: Backward: tensor %v was not produced by a Graph op", t.shape)
	}
	return t.graph.Backward(t)
}
