package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func BenchmarkSumSquares(b *testing.B) {
	d := benchDevice(b)
	var bufs []tensor.Buffer
	total := 0
	for _, n := range []int{bVocab * bWidth, bWidth * bHidden, bWidth * bHidden, 3 * bWidth * bWidth, bWidth} {
		for i := 0; i < 4; i++ {
			bufs = append(bufs, rnd(b, d, tensor.BFloat16, n, 1))
			total += n
		}
	}
	measure(b, d, 2*float64(total), 0, func() error { _, err := d.SumSquares(bufs); return err })
}
