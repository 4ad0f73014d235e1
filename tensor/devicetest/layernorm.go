package devicetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func (s *suite) layerNorm(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, sh := range rowShapes {
			t.Run(fmt.Sprintf("%s/%dx%d", dt, sh[0], sh[1]), func(t *testing.T) {
				e := s.env(t)
				rows, cols := sh[0], sh[1]
				// An offset mean tests that the variance is not formed as E[x²]−E[x]².
				xvals := e.randn(rows*cols, 2)
				for i := range xvals {
					xvals[i] += 30
				}
				x, xv := e.input(dt, xvals)
				w, wv := e.input(dt, e.uniform(cols, 0.5, 1.5))
				b, bv := e.input(dt, e.randn(cols, 0.3))
				out, mean, rstd := e.alloc(dt, rows*cols), e.alloc(tensor.Float32, rows), e.alloc(tensor.Float32, rows)
				e.must("LayerNorm", s.dev.LayerNorm(out, mean, rstd, x, w, b, rows, cols))
				wo, wm, wr := refLayerNorm(xv, wv, bv, rows, cols)
				e.expect("LayerNorm out", e.read(out), wo, s.tol("layernorm", dt))
				e.expect("LayerNorm mean", e.read(mean), wm, s.tol("layernorm", dt))
				if cols > 1 { // one column has variance 0: rstd = 1/sqrt(eps), too sensitive to compare
					e.expect("LayerNorm rstd", e.read(rstd), wr, s.tol("layernorm", dt))
				}
			})
		}
	}
}

func (s *suite) gradLayerNorm(t *testing.T) {
	for _, sh := range [][2]int{{1, 2}, {3, 5}, {4, 67}, {64, 257}} {
		for _, params := range []bool{true, false} {
			t.Run(fmt.Sprintf("%dx%d/dw,db=%v", sh[0], sh[1], params), func(t *testing.T) {
				e := s.env(t)
				rows, cols := sh[0], sh[1]
				dt := tensor.Float32
				// Each row is a shuffled ramp plus noise, so its variance is never
				// near 0: with variance ~eps, rstd ~300 multiplies float32
				// rounding in dx and no bound can separate it from a bug.
				xs := e.uniform(rows*cols, -0.3, 0.3)
				for r := range rows {
					for j, k := range e.rng.Perm(cols) {
						xs[r*cols+j] += float32(k) - float32(cols-1)/2
					}
				}
				x, xv := e.input(dt, xs)
				w, wv := e.input(dt, e.uniform(cols, 0.5, 1.5))
				b, bv := e.input(dt, e.randn(cols, 0.3))
				out, mean, rstd := e.alloc(dt, rows*cols), e.alloc(dt, rows), e.alloc(dt, rows)
				e.must("LayerNorm", s.dev.LayerNorm(out, mean, rstd, x, w, b, rows, cols))
				dout, up := e.input(dt, e.randn(rows*cols, 1))
				in := [][]float64{xv, wv, bv}
				ref := func(in [][]float64) []float64 {
					o, _, _ := refLayerNorm(in[0], in[1], in[2], rows, cols)
					return o
				}
				// Every element of small shapes; a sample of big ones.
				at := e.points
				dx, px := e.gradBuf(rows * cols)
				var dw, db tensor.Buffer
				var pw, pb []float64
				if params {
					dw, pw = e.gradBuf(cols)
					db, pb = e.gradBuf(cols)
				}
				e.must("LayerNormBackward", s.dev.LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd, rows, cols))
				ax := at(rows * cols)
				e.expect("dx", pick(e.read(dx), ax), accum(pick(px, ax), numGradAt(in, 0, ax, up, ref)), s.tol("grad", dt))
				if params {
					ac := at(cols)
					e.expect("dw", pick(e.read(dw), ac), accum(pick(pw, ac), numGradAt(in, 1, ac, up, ref)), s.tol("grad", dt))
					e.expect("db", pick(e.read(db), ac), accum(pick(pb, ac), numGradAt(in, 2, ac, up, ref)), s.tol("grad", dt))
				}
			})
		}
	}
}

// refLayerNorm returns the normalised rows and each row's mean and 1/std.
func refLayerNorm(x, w, b []float64, rows, cols int) (out, mean, rstd []float64) {
	out, mean, rstd = make([]float64, rows*cols), make([]float64, rows), make([]float64, rows)
	for r := range rows {
		xr := x[r*cols : (r+1)*cols]
		var m, v float64
		for _, e := range xr {
			m += e
		}
		m /= float64(cols)
		for _, e := range xr {
			v += (e - m) * (e - m)
		}
		v /= float64(cols)
		s := 1 / math.Sqrt(v+1e-5)
		for j, e := range xr {
			out[r*cols+j] = (e-m)*s*w[j] + b[j]
		}
		mean[r], rstd[r] = m, s
	}
	return out, mean, rstd
}
