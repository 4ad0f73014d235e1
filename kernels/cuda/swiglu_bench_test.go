package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// BenchmarkSwiGLU times SwiGLU forward and backward over rows × 8·width/3
// hidden units (GPT-2 small's width with SwiGLU's hidden size).
func BenchmarkSwiGLU(b *testing.B) {
	d := benchDevice(b)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		sz := float64(dt.Size())
		sx, sdx := rnd(b, d, dt, bRows*2*bSwiH, 1), rnd(b, d, dt, bRows*2*bSwiH, 1e-3)
		sout, sdout := rnd(b, d, dt, bRows*bSwiH, 1), rnd(b, d, dt, bRows*bSwiH, 1)
		h := float64(bRows * bSwiH)
		b.Run(dt.String()+"/Forward", func(b *testing.B) {
			measure(b, d, 3*sz*h, 0, func() error { return d.SwiGLU(sout, sx, bRows, bSwiH) })
		})
		b.Run(dt.String()+"/Backward", func(b *testing.B) {
			measure(b, d, 7*sz*h, 0, func() error { return d.SwiGLUBackward(sdx, sx, sdout, bRows, bSwiH) })
		})
	}
}
