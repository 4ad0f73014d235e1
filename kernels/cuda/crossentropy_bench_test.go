package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/require"
)

func BenchmarkCrossEntropy(b *testing.B) {
	d := benchDevice(b)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		n := bRows * bVocab
		logits := rnd(b, d, dt, n, 2)
		targets := ints(b, d, bRows, bVocab)
		loss, err := d.Alloc(tensor.Float32, 1)
		require.NoError(b, err)
		// The gradient overwrites the logits; their values stay in a sane
		// range, so the repeated calls keep doing the same work.
		b.Run(dt.String()+"/WithGrad", func(b *testing.B) {
			measure(b, d, 2*float64(dt.Size())*float64(n), 0, func() error {
				return d.CrossEntropy(loss, logits, targets, bRows, bVocab, 1, true)
			})
		})
		b.Run(dt.String()+"/LossOnly", func(b *testing.B) {
			measure(b, d, float64(dt.Size())*float64(n), 0, func() error {
				return d.CrossEntropy(loss, logits, targets, bRows, bVocab, 1, false)
			})
		})
	}
}
