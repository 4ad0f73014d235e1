package devicetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func (s *suite) adamw(t *testing.T) {
	const plain = tensor.DType(255) // no master weights
	p := tensor.AdamWParams{LR: 1e-2, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, GradScale: 0.5}
	for _, n := range sizes {
		for _, working := range []tensor.DType{plain, tensor.Float32, tensor.BFloat16} {
			name := fmt.Sprintf("%d/plain", n)
			if working != plain {
				name = fmt.Sprintf("%d/master+%s", n, working)
			}
			t.Run(name, func(t *testing.T) {
				e := s.env(t)
				w0 := e.randn(n, 1)
				var param, master tensor.Buffer
				var wv []float64
				if working == plain {
					param, wv = e.input(tensor.Float32, w0)
				} else {
					master, wv = e.input(tensor.Float32, w0)
					param = e.alloc(working, n)
				}
				m, mv := e.input(tensor.Float32, make([]float32, n))
				v, vv := e.input(tensor.Float32, make([]float32, n))
				for step := 1; step <= 3; step++ {
					grad, gv := e.input(tensor.Float32, e.randn(n, 2))
					p.Step = step
					e.must("AdamW", s.dev.AdamW(p, param, grad, m, v, master))
					refAdamW(p, wv, gv, mv, vv)
				}
				e.expect("AdamW m", e.read(m), mv, s.tol("adamw", tensor.Float32))
				e.expect("AdamW v", e.read(v), vv, s.tol("adamw", tensor.Float32))
				if master == nil {
					e.expect("AdamW param", e.read(param), wv, s.tol("adamw", tensor.Float32))
					return
				}
				e.expect("AdamW master", e.read(master), wv, s.tol("adamw", tensor.Float32))
				// The working copy is the master rounded to its dtype, exactly.
				wm := e.read(master)
				if working == tensor.BFloat16 {
					for i := range wm {
						wm[i] = refBF16(wm[i])
					}
				}
				e.expect("AdamW working copy", e.read(param), wm, s.tol("bf16cast", working))
			})
		}
	}
}

// refAdamW applies one AdamW step in float64 to w, m and v in place.
func refAdamW(p tensor.AdamWParams, w, g, m, v []float64) {
	b1, b2 := float64(p.Beta1), float64(p.Beta2)
	c1 := 1 - math.Pow(b1, float64(p.Step))
	c2 := 1 - math.Pow(b2, float64(p.Step))
	for i := range w {
		gi := float64(p.GradScale) * g[i]
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		w[i] -= float64(p.LR) * (m[i]/c1/(math.Sqrt(v[i]/c2)+float64(p.Eps)) + float64(p.WeightDecay)*w[i])
	}
}
