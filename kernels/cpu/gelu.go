package cpu

import (
	"github.com/empirical-scaling/harness/tensor"
)

const (
	geluK = 0.7978845608028654 // sqrt(2/pi)
	geluC = 0.044715
)

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
