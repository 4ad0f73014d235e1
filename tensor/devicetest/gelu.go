package devicetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func (s *suite) gelu(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/%d", dt, n), func(t *testing.T) {
				e := s.env(t)
				x, xv := e.input(dt, e.randn(n, 3))
				out := e.alloc(dt, n)
				e.must("GeLU", s.dev.GeLU(out, x))
				e.expect("GeLU", e.read(out), refGeLU(xv), s.tol("gelu", dt))
			})
		}
	}
}

func (s *suite) gradGeLU(t *testing.T) {
	for _, n := range []int{1, 17, 130, 5003} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := s.env(t)
			dt := tensor.Float32
			x, xv := e.input(dt, e.randn(n, 2.5))
			dout, up := e.input(dt, e.randn(n, 1))
			at := e.points(n)
			want := numGradAt([][]float64{xv}, 0, at, up, func(in [][]float64) []float64 { return refGeLU(in[0]) })
			dx, pre := e.gradBuf(n)
			e.must("GeLUBackward", s.dev.GeLUBackward(dx, x, dout))
			e.expect("dx", pick(e.read(dx), at), accum(pick(pre, at), want), s.tol("grad", dt))
		})
	}
}

// refGeLU is GPT-2's tanh-approximated GeLU, 0.5·x·(1+tanh(u)) with
// u = sqrt(2/pi)·(x+0.044715·x³), evaluated as x/(1+e^(−2u)) (the same
// function): 1+tanh(u) cancels even in float64 for x below about −6.
func refGeLU(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		u := math.Sqrt(2/math.Pi) * (v + 0.044715*v*v*v)
		out[i] = v / (1 + math.Exp(-2*u))
	}
	return out
}
