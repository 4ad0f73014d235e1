package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func BenchmarkAdamW(b *testing.B) {
	d := benchDevice(b)
	const n = bParams
	p := tensor.AdamWParams{LR: 1e-4, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, Step: 10, GradScale: 0.9}
	m, v := rnd(b, d, tensor.Float32, n, 1e-3), rnd(b, d, tensor.Float32, n, 1e-3)
	b.Run("master_f32+bf16_working", func(b *testing.B) {
		param, grad, master := rnd(b, d, tensor.BFloat16, n, 1), rnd(b, d, tensor.BFloat16, n, 1), rnd(b, d, tensor.Float32, n, 1)
		// reads grad(2) m(4) v(4) master(4); writes m, v, master (12) and param (2)
		measure(b, d, 28*float64(n), 0, func() error { return d.AdamW(p, param, grad, m, v, master) })
	})
	b.Run("f32", func(b *testing.B) {
		param, grad := rnd(b, d, tensor.Float32, n, 1), rnd(b, d, tensor.Float32, n, 1)
		measure(b, d, 28*float64(n), 0, func() error { return d.AdamW(p, param, grad, m, v, nil) })
	})
}
