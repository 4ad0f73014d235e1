package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func BenchmarkMatMul(b *testing.B) {
	d := benchDevice(b)
	shapes := []struct {
		name    string
		m, n, k int
		ta, tb  bool
	}{
		{"fc_fwd_8192x3072x768", bRows, bHidden, bWidth, false, true},
		{"fc_dW_3072x768x8192", bHidden, bWidth, bRows, true, false},
		{"lm_head_8192x50257x768", bRows, bVocab, bWidth, false, true},
	}
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		for _, s := range shapes {
			b.Run(dt.String()+"/"+s.name, func(b *testing.B) {
				a := rnd(b, d, dt, s.m*s.k, 1)
				w := rnd(b, d, dt, s.k*s.n, 1)
				c := rnd(b, d, dt, s.m*s.n, 1)
				ms := tensor.MatMulShape{Batch: 1, M: s.m, N: s.n, K: s.k, TransA: s.ta, TransB: s.tb}
				measure(b, d, 0, 2*float64(s.m)*float64(s.n)*float64(s.k), func() error { return d.MatMul(c, a, w, ms) })
			})
		}
	}
}
