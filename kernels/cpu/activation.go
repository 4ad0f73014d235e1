package cpu

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

const (
	geluK = 0.7978845608028654 // sqrt(2/pi)
	geluC = 0.044715
)

// sigmoid32 is the logistic function, stable for large |x| (e^−|x| never
// overflows).
func sigmoid32(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + exp32(-x))
	}
	e := exp32(x)
	return e / (1 + e)
}

// GeLU applies 0.5·x·(1+tanh(u)), u = sqrt(2/pi)·(x+0.044715·x³),
// elementwise. It is computed as x·σ(2u), the same function, because
// 1+tanh(u) cancels catastrophically in float32 for x well below 0.
func (d *Device) GeLU(out, x tensor.Buffer) error {
	const op = "GeLU"
	o, err := d.f32(op, "out", out, -1)
	if err != nil {
		return err
	}
	xs, err := d.f32(op, "x", x, len(o))
	if err != nil {
		return err
	}
	parallelFor(len(o), 16, 1024, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := xs[i]
			o[i] = v * sigmoid32(2*geluK*(v+geluC*v*v*v))
		}
	})
	return nil
}

// GeLUBackward accumulates dx += dout·GeLU'(x), with
// GeLU'(x) = σ(2u) + x·2σ(2u)(1−σ(2u))·u'(x) (0.5(1+tanh u) = σ(2u)).
func (d *Device) GeLUBackward(dx, x, dout tensor.Buffer) error {
	const op = "GeLUBackward"
	g, err := d.f32(op, "dx", dx, -1)
	if err != nil {
		return err
	}
	xs, err := d.f32(op, "x", x, len(g))
	if err != nil {
		return err
	}
	do, err := d.f32(op, "dout", dout, len(g))
	if err != nil {
		return err
	}
	parallelFor(len(g), 16, 1024, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := xs[i]
			sg := sigmoid32(2 * geluK * (v + geluC*v*v*v))
			du := geluK * (1 + 3*geluC*v*v)
			g[i] += do[i] * (sg + v*2*sg*(1-sg)*du)
		}
	})
	return nil
}

// swigluDims checks x (rows×2·hidden) and the rows×hidden side buffer.
func (d *Device) swigluDims(op, name string, side, x tensor.Buffer, rows, hidden int) ([]float32, []float32, error) {
	if rows <= 0 || hidden <= 0 {
		return nil, nil, fmt.Errorf("cpu: %s: rows=%d hidden=%d: want both positive", op, rows, hidden)
	}
	s, err := d.f32(op, name, side, rows*hidden)
	if err != nil {
		return nil, nil, err
	}
	xs, err := d.f32(op, "x", x, rows*2*hidden)
	if err != nil {
		return nil, nil, err
	}
	return s, xs, nil
}

// SwiGLU computes out[r,j] = SiLU(x[r,j])·x[r,hidden+j].
func (d *Device) SwiGLU(out, x tensor.Buffer, rows, hidden int) error {
	o, xs, err := d.swigluDims("SwiGLU", "out", out, x, rows, hidden)
	if err != nil {
		return err
	}
	parallelFor(rows, 8*hidden, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			gate, up, or := xs[2*r*hidden:(2*r+1)*hidden], xs[(2*r+1)*hidden:(2*r+2)*hidden], o[r*hidden:(r+1)*hidden]
			for j, a := range gate {
				or[j] = a * sigmoid32(a) * up[j]
			}
		}
	})
	return nil
}

// SwiGLUBackward accumulates dx for out = SiLU(a)·b: da += dout·b·σ(a)·(1+a·(1−σ(a))), db += dout·SiLU(a).
func (d *Device) SwiGLUBackward(dx, x, dout tensor.Buffer, rows, hidden int) error {
	const op = "SwiGLUBackward"
	do, xs, err := d.swigluDims(op, "dout", dout, x, rows, hidden)
	if err != nil {
		return err
	}
	g, err := d.f32(op, "dx", dx, rows*2*hidden)
	if err != nil {
		return err
	}
	parallelFor(rows, 8*hidden, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			a0, b0 := 2*r*hidden, (2*r+1)*hidden
			for j := range hidden {
				a, b, dy := xs[a0+j], xs[b0+j], do[r*hidden+j]
				sg := sigmoid32(a)
				g[a0+j] += dy * b * sg * (1 + a*(1-sg))
				g[b0+j] += dy * a * sg
			}
		}
	})
	return nil
}
