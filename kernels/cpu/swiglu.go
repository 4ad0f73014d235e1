package cpu

import (
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

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
			swigluRange(o[r*hidden:(r+1)*hidden], xs[2*r*hidden:(2*r+1)*hidden], xs[(2*r+1)*hidden:(2*r+2)*hidden])
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
			swigluBackwardRange(g[a0:b0], g[b0:b0+hidden], xs[a0:b0], xs[b0:b0+hidden], do[r*hidden:(r+1)*hidden])
		}
	})
	return nil
}

// swigluGo sets o[j] = SiLU(gate[j])·up[j] in chunks of sigChunk.
func swigluGo(o, gate, up []float32) {
	var t [sigChunk]float32
	for c := 0; c < len(gate); c += sigChunk {
		n := min(sigChunk, len(gate)-c)
		g, u, or := gate[c:c+n], up[c:c+n], o[c:c+n]
		sg := t[:n]
		sigmoids(sg, g)
		for j, a := range g {
			or[j] = a * sg[j] * u[j]
		}
	}
}

// swigluBackwardGo accumulates da += dout·b·σ(a)·(1+a·(1−σ(a))) and
// db += dout·SiLU(a) for a = gate, b = up, in chunks of sigChunk.
func swigluBackwardGo(da, db, gate, up, dout []float32) {
	var t [sigChunk]float32
	for c := 0; c < len(gate); c += sigChunk {
		n := min(sigChunk, len(gate)-c)
		sg := t[:n]
		sigmoids(sg, gate[c:c+n])
		for j, s := range sg {
			a, b, dy := gate[c+j], up[c+j], dout[c+j]
			da[c+j] += dy * b * s * (1 + a*(1-s))
			db[c+j] += dy * a * s
		}
	}
}
