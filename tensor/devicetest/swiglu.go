package devicetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func (s *suite) swiglu(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, sh := range rowShapes {
			t.Run(fmt.Sprintf("%s/%dx%d", dt, sh[0], sh[1]), func(t *testing.T) {
				e := s.env(t)
				rows, hidden := sh[0], sh[1]
				x, xv := e.input(dt, e.randn(rows*2*hidden, 3))
				out := e.alloc(dt, rows*hidden)
				e.must("SwiGLU", s.dev.SwiGLU(out, x, rows, hidden))
				e.expect("SwiGLU", e.read(out), refSwiGLU(xv, rows, hidden), s.tol("swiglu", dt))
			})
		}
	}
}

func (s *suite) gradSwiGLU(t *testing.T) {
	for _, sh := range [][2]int{{1, 1}, {3, 17}, {70, 33}} {
		t.Run(fmt.Sprintf("%dx%d", sh[0], sh[1]), func(t *testing.T) {
			e := s.env(t)
			rows, hidden := sh[0], sh[1]
			dt := tensor.Float32
			x, xv := e.input(dt, e.randn(rows*2*hidden, 2))
			dout, up := e.input(dt, e.randn(rows*hidden, 1))
			at := e.points(len(xv))
			want := numGradAt([][]float64{xv}, 0, at, up, func(in [][]float64) []float64 { return refSwiGLU(in[0], rows, hidden) })
			dx, pre := e.gradBuf(len(xv))
			e.must("SwiGLUBackward", s.dev.SwiGLUBackward(dx, x, dout, rows, hidden))
			e.expect("dx", pick(e.read(dx), at), accum(pick(pre, at), want), s.tol("grad", dt))
		})
	}
}

// refSwiGLU returns SiLU(gate)·up for rows of [gate | up].
func refSwiGLU(x []float64, rows, hidden int) []float64 {
	out := make([]float64, rows*hidden)
	for r := range rows {
		for j := range hidden {
			a, b := x[r*2*hidden+j], x[r*2*hidden+hidden+j]
			out[r*hidden+j] = a / (1 + math.Exp(-a)) * b
		}
	}
	return out
}
