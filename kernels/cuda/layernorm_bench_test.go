package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/require"
)

func BenchmarkLayerNorm(b *testing.B) {
	d := benchDevice(b)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		sz := float64(dt.Size())
		n := bRows * bWidth
		x, dout := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1)
		out, dx := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1e-3)
		w, bias := rnd(b, d, dt, bWidth, 1), rnd(b, d, dt, bWidth, 1)
		dw, db := rnd(b, d, dt, bWidth, 1), rnd(b, d, dt, bWidth, 1)
		mean, rstd := rnd(b, d, tensor.Float32, bRows, 1), rnd(b, d, tensor.Float32, bRows, 1)
		require.NoError(b, d.LayerNorm(out, mean, rstd, x, w, bias, bRows, bWidth))
		b.Run(dt.String()+"/Forward", func(b *testing.B) {
			measure(b, d, 2*sz*float64(n), 0, func() error { return d.LayerNorm(out, mean, rstd, x, w, bias, bRows, bWidth) })
		})
		b.Run(dt.String()+"/Backward", func(b *testing.B) {
			measure(b, d, 4*sz*float64(n), 0, func() error {
				return d.LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd, bRows, bWidth)
			})
		})
	}
}
