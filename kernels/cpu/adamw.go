package cpu

import (
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

// AdamW updates param from grad with decoupled weight decay:
// g = GradScale·grad, m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
// p −= LR·(m̂/(sqrt(v̂)+ε) + WeightDecay·p) with the bias-corrected m̂, v̂.
// With master set, the float32 master weights are updated and param (F32
// or BF16) receives their rounded copy.
func (d *Device) AdamW(p tensor.AdamWParams, param, grad, m, v, master tensor.Buffer) error {
	const op = "AdamW"
	if p.Step < 1 {
		return fmt.Errorf("cpu: %s: step %d: want 1 or more", op, p.Step)
	}
	pb, err := d.buf(op, "param", param)
	if err != nil {
		return err
	}
	n := pb.n
	gs, err := d.f32(op, "grad", grad, n)
	if err != nil {
		return err
	}
	ms, err := d.f32(op, "m", m, n)
	if err != nil {
		return err
	}
	vs, err := d.f32(op, "v", v, n)
	if err != nil {
		return err
	}
	var w []float32 // the float32 weights updated in place
	if master != nil {
		if w, err = d.f32(op, "master", master, n); err != nil {
			return err
		}
		if pb.dt != tensor.Float32 && pb.dt != tensor.BFloat16 {
			return fmt.Errorf("cpu: %s: param is %s, want F32 or BF16", op, pb.dt)
		}
	} else if w, err = d.f32(op, "param", param, n); err != nil {
		return err
	}
	b1, b2 := float64(p.Beta1), float64(p.Beta2)
	c1 := float32(1 / (1 - math.Pow(b1, float64(p.Step))))
	c2 := float32(1 / (1 - math.Pow(b2, float64(p.Step))))
	k := &adamwConsts{
		gradScale: p.GradScale, beta1: p.Beta1, omb1: 1 - p.Beta1, beta2: p.Beta2, omb2: 1 - p.Beta2,
		c1: c1, c2: c2, eps: p.Eps, lr: p.LR, wd: p.WeightDecay,
	}
	parallelFor(n, 16, 1024, func(lo, hi int) {
		adamwRange(w[lo:hi], gs[lo:hi], ms[lo:hi], vs[lo:hi], k)
		if master == nil {
			return
		}
		if pb.dt == tensor.BFloat16 {
			for i := lo; i < hi; i++ {
				pb.bf16[i] = toBF16(w[i])
			}
		} else {
			copy(pb.f32[lo:hi], w[lo:hi])
		}
	})
	return nil
}

// adamwConsts are the scalars of one AdamW call, laid out for adamwAVX2:
// keep the field order.
type adamwConsts struct {
	gradScale, beta1, omb1, beta2, omb2, c1, c2, eps, lr, wd float32
}

// adamwGo updates w, m and v in place from the gradient g: m and v are the
// moment estimates, c1 and c2 the bias corrections. The float32(…)
// conversions round each product, so that no build (GOAMD64=v3) fuses a
// multiply-add and adamwAVX2 stays bit-identical.
func adamwGo(w, g, m, v []float32, k *adamwConsts) {
	for i := range w {
		gi := k.gradScale * g[i]
		mi := float32(k.beta1*m[i]) + float32(k.omb1*gi)
		vi := float32(k.beta2*v[i]) + float32(k.omb2*gi*gi)
		m[i], v[i] = mi, vi
		den := float32(math.Sqrt(float64(vi*k.c2))) + k.eps
		w[i] -= float32(k.lr * (float32(mi*k.c1/den) + float32(k.wd*w[i])))
	}
}
