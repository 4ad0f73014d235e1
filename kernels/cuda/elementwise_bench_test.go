package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// BenchmarkCopyD2D times a device-to-device Copy of 1 GiB, the bandwidth
// ceiling every frac_of_copy is measured against.
func BenchmarkCopyD2D(b *testing.B) {
	d := benchDevice(b)
	const n = 256 << 20
	src, dst := rnd(b, d, tensor.Float32, n, 1), rnd(b, d, tensor.Float32, n, 1)
	measure(b, d, 8*n, 0, func() error { return d.Copy(dst, src) })
}

// BenchmarkElementwise times Add and Accumulate over rows × 4·width
// elements (the GeLU FFN's hidden activations).
func BenchmarkElementwise(b *testing.B) {
	d := benchDevice(b)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		sz := float64(dt.Size())
		n := bRows * bHidden
		x, dout := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1)
		out, dx := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1e-3)
		b.Run(dt.String()+"/Add", func(b *testing.B) {
			measure(b, d, 3*sz*float64(n), 0, func() error { return d.Add(out, x, dout) })
		})
		b.Run(dt.String()+"/Accumulate", func(b *testing.B) {
			measure(b, d, 3*sz*float64(n), 0, func() error { return d.Accumulate(dx, dout, 1e-3) })
		})
	}
}
