package devicetest

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

func (s *suite) crossEntropy(t *testing.T) {
	shapes := append(slices.Clone(rowShapes), [2]int{3, 50257}) // and GPT-2's vocabulary
	for _, dt := range s.opts.dtypes() {
		for _, sh := range shapes {
			for _, grad := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%dx%d/grad=%v", dt, sh[0], sh[1], grad), func(t *testing.T) {
					e := s.env(t)
					rows, vocab := sh[0], sh[1]
					lv := e.randn(rows*vocab, 4)
					lv[0] += 80 // a large logit: exp must not overflow
					logits, xv := e.input(dt, lv)
					tv := e.randInts(rows, vocab)
					targets := e.ints(tv)
					loss := e.alloc(tensor.Float32, 1)
					const scale = 0.75
					e.must("CrossEntropy", s.dev.CrossEntropy(loss, logits, targets, rows, vocab, scale, grad))
					wl, wg := refCrossEntropy(xv, tv, rows, vocab, scale)
					e.expect("CrossEntropy loss", e.read(loss), []float64{wl}, s.tol("crossentropy", dt))
					if grad {
						// Measured against scale/rows, the one-hot term that cancels
						// against a probability near 1.
						e.expectScaled("CrossEntropy dlogits", e.read(logits), wg, constant(len(wg), scale/float64(rows)), s.tol("dlogits", dt))
					} else {
						e.expect("CrossEntropy must leave logits alone without writeGrad", e.read(logits), xv, 0)
					}
				})
			}
		}
	}
}

func (s *suite) gradCrossEntropy(t *testing.T) {
	for _, sh := range [][2]int{{1, 1}, {1, 3}, {4, 17}, {9, 65}} {
		t.Run(fmt.Sprintf("%dx%d", sh[0], sh[1]), func(t *testing.T) {
			e := s.env(t)
			rows, vocab := sh[0], sh[1]
			dt := tensor.Float32
			logits, xv := e.input(dt, e.randn(rows*vocab, 3))
			tv := e.randInts(rows, vocab)
			const scale = 1.5
			want := numGrad([][]float64{xv}, []int{0}, []float64{scale}, func(in [][]float64) []float64 {
				l, _ := refCrossEntropy(in[0], tv, rows, vocab, 1)
				return []float64{l}
			})
			loss := e.alloc(tensor.Float32, 1)
			e.must("CrossEntropy", s.dev.CrossEntropy(loss, logits, e.ints(tv), rows, vocab, scale, true))
			// Measured against scale/rows, the one-hot term that cancels
			// against a probability near 1.
			e.expectScaled("dlogits (written in place, not accumulated)", e.read(logits), want[0], constant(len(xv), scale/float64(rows)), s.tol("grad", dt))
		})
	}
}

// refCrossEntropy returns the mean NLL and its gradient scale·(softmax − onehot)/rows.
func refCrossEntropy(logits []float64, targets []int32, rows, vocab int, scale float64) (float64, []float64) {
	var loss float64
	grad := make([]float64, rows*vocab)
	for r := range rows {
		row := logits[r*vocab : (r+1)*vocab]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, v)
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(v - mx)
		}
		lse := mx + math.Log(sum)
		loss += lse - row[targets[r]]
		for j, v := range row {
			grad[r*vocab+j] = scale * math.Exp(v-lse) / float64(rows)
		}
		grad[r*vocab+int(targets[r])] -= scale / float64(rows)
	}
	return loss / float64(rows), grad
}
