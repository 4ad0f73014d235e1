package cpu

import (
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

const (
	geluK = 0.7978845608028654 // sqrt(2/pi)
	geluC = 0.044715
)

// sigChunk is the most elements sigmoids handles per call (a stack array).
const sigChunk = 256

// sigmoids sets s[i] = σ(z[i]) = 1/(1+e^−z) for len(z) ≤ sigChunk, with
// the exponentials through expShift (vectorised where the CPU can): it
// takes e^−|z| ≤ 1, so nothing overflows, then picks 1/(1+e) or e/(1+e) by
// z's sign bit without a branch (the signs of activations are random, so a
// branch would mispredict half the time). NaN stays NaN. s may be z.
func sigmoids(s, z []float32) {
	var t [sigChunk]float32
	e := t[:len(z)]
	for i, v := range z {
		e[i] = math.Float32frombits(math.Float32bits(v) | 1<<31) // −|v|
	}
	expShift(e, 0)
	for i, v := range z {
		r := 1 / (1 + e[i])
		neg := uint32(int32(math.Float32bits(v)) >> 31) // all ones when v < 0
		s[i] = math.Float32frombits(math.Float32bits(r)&^neg | math.Float32bits(e[i]*r)&neg)
	}
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
		geluRange(o[lo:hi], xs[lo:hi])
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
		geluBackwardRange(g[lo:hi], xs[lo:hi], do[lo:hi])
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

// geluGo sets o[i] = x[i]·σ(2u(x[i])) in chunks of sigChunk.
func geluGo(o, xs []float32) {
	var t [sigChunk]float32
	for c := 0; c < len(xs); c += sigChunk {
		x, sg := xs[c:min(c+sigChunk, len(xs))], t[:min(sigChunk, len(xs)-c)]
		for i, v := range x {
			sg[i] = 2 * geluK * (v + geluC*v*v*v)
		}
		sigmoids(sg, sg)
		for i, v := range x {
			o[c+i] = v * sg[i]
		}
	}
}

// geluBackwardGo accumulates g[i] += dout[i]·GeLU'(x[i]) in chunks of sigChunk.
func geluBackwardGo(g, xs, do []float32) {
	var t [sigChunk]float32
	for c := 0; c < len(xs); c += sigChunk {
		x, sg := xs[c:min(c+sigChunk, len(xs))], t[:min(sigChunk, len(xs)-c)]
		for i, v := range x {
			sg[i] = 2 * geluK * (v + geluC*v*v*v)
		}
		sigmoids(sg, sg)
		for i, v := range x {
			s, du := sg[i], geluK*(1+3*geluC*v*v)
			g[c+i] += do[c+i] * (s + v*2*s*(1-s)*du)
		}
	}
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
