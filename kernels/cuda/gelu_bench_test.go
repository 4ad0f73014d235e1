package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// BenchmarkGeLU times GeLU forward and backward over rows × 4·width
// elements (GPT-2 small's FFN hidden activations).
func BenchmarkGeLU(b *testing.B) {
	d := benchDevice(b)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		sz := float64(dt.Size())
		n := bRows * bHidden
		x, dout := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1)
		out, dx := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1e-3)
		b.Run(dt.String()+"/Forward", func(b *testing.B) {
			measure(b, d, 2*sz*float64(n), 0, func() error { return d.GeLU(out, x) })
		})
		b.Run(dt.String()+"/Backward", func(b *testing.B) {
			measure(b, d, 4*sz*float64(n), 0, func() error { return d.GeLUBackward(dx, x, dout) })
		})
	}
}
