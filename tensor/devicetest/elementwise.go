package devicetest

import (
	"fmt"
	"math"
	"testing"
)

func (s *suite) add(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/%d", dt, n), func(t *testing.T) {
				e := s.env(t)
				a, av := e.input(dt, e.randn(n, 1))
				b, bv := e.input(dt, e.randn(n, 1))
				out := e.alloc(dt, n)
				e.must("Add", s.dev.Add(out, a, b))
				want, mag := make([]float64, n), make([]float64, n)
				for i := range want {
					want[i], mag[i] = av[i]+bv[i], math.Abs(av[i])+math.Abs(bv[i])
				}
				e.expectScaled("Add", e.read(out), want, mag, s.tol("add", dt))
			})
		}
	}
}

func (s *suite) accumulate(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, n := range sizes {
			for _, alpha := range []float32{1, -0.375} {
				t.Run(fmt.Sprintf("%s/%d/alpha=%v", dt, n, alpha), func(t *testing.T) {
					e := s.env(t)
					dst, dv := e.input(dt, e.randn(n, 1))
					src, sv := e.input(dt, e.randn(n, 1))
					e.must("Accumulate", s.dev.Accumulate(dst, src, alpha))
					want, mag := make([]float64, n), make([]float64, n)
					for i := range want {
						want[i] = dv[i] + float64(alpha)*sv[i]
						mag[i] = math.Abs(dv[i]) + math.Abs(float64(alpha)*sv[i])
					}
					e.expectScaled("Accumulate", e.read(dst), want, mag, s.tol("accumulate", dt))
				})
			}
		}
	}
}
