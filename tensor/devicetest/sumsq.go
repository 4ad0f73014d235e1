package devicetest

import (
	"fmt"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func (s *suite) sumSquares(t *testing.T) {
	e := s.env(t)
	var bufs []tensor.Buffer
	var want float64
	for i, n := range sizes {
		dt := tensor.Float32
		if i%3 == 2 {
			dt = tensor.BFloat16 // gradients may be kept in BF16 on a GPU
		}
		b, v := e.input(dt, e.randn(n, 2))
		bufs = append(bufs, b)
		for _, x := range v {
			want += x * x
		}
		got, err := s.dev.SumSquares(bufs)
		e.must("SumSquares", err)
		e.expect(fmt.Sprintf("SumSquares of %d buffers", len(bufs)), []float64{got}, []float64{want}, s.tol("sumsquares", tensor.Float32))
	}
}
