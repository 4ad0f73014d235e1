package devicetest

import (
	"fmt"
	"math"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// attentionShapes cover one token, one head, odd head dims, sequences that
// end inside, on and just past a 64-row block, and the model's head dim.
var attentionShapes = []tensor.AttentionShape{
	{Batch: 1, SeqLen: 1, Heads: 1, HeadDim: 1},
	{Batch: 2, SeqLen: 3, Heads: 1, HeadDim: 3},
	{Batch: 1, SeqLen: 17, Heads: 3, HeadDim: 5},
	{Batch: 2, SeqLen: 63, Heads: 2, HeadDim: 16},
	{Batch: 1, SeqLen: 64, Heads: 1, HeadDim: 64},
	{Batch: 2, SeqLen: 65, Heads: 2, HeadDim: 8},
	{Batch: 1, SeqLen: 130, Heads: 2, HeadDim: 64},
}

func (s *suite) attention(t *testing.T) {
	for _, dt := range s.opts.dtypes() {
		for _, sh := range attentionShapes {
			t.Run(fmt.Sprintf("%s/B%d_T%d_H%d_D%d", dt, sh.Batch, sh.SeqLen, sh.Heads, sh.HeadDim), func(t *testing.T) {
				e := s.env(t)
				c := sh.Heads * sh.HeadDim
				qkv, xv := e.input(dt, e.randn(sh.Batch*sh.SeqLen*3*c, 1))
				out, lse := e.alloc(dt, sh.Batch*sh.SeqLen*c), e.alloc(tensor.Float32, sh.Batch*sh.Heads*sh.SeqLen)
				e.must("Attention", s.dev.Attention(out, lse, qkv, sh))
				wo, wl := refAttention(xv, sh)
				e.expect("Attention out", e.read(out), wo, s.tol("attention", dt))
				e.expect("Attention lse", e.read(lse), wl, s.tol("attention", dt))
			})
		}
	}
}

func (s *suite) gradAttention(t *testing.T) {
	shapes := []tensor.AttentionShape{
		{Batch: 1, SeqLen: 1, Heads: 1, HeadDim: 1},
		{Batch: 2, SeqLen: 5, Heads: 2, HeadDim: 3},
		{Batch: 1, SeqLen: 67, Heads: 2, HeadDim: 2},   // crosses a 64-row block
		{Batch: 2, SeqLen: 130, Heads: 8, HeadDim: 16}, // many heads, three blocks: sampled elements
	}
	for _, sh := range shapes {
		t.Run(fmt.Sprintf("B%d_T%d_H%d_D%d", sh.Batch, sh.SeqLen, sh.Heads, sh.HeadDim), func(t *testing.T) {
			e := s.env(t)
			dt := tensor.Float32
			c := sh.Heads * sh.HeadDim
			qkv, xv := e.input(dt, e.randn(sh.Batch*sh.SeqLen*3*c, 1))
			out, lse := e.alloc(dt, sh.Batch*sh.SeqLen*c), e.alloc(tensor.Float32, sh.Batch*sh.Heads*sh.SeqLen)
			e.must("Attention", s.dev.Attention(out, lse, qkv, sh))
			dout, up := e.input(dt, e.randn(len(xv)/3, 1))
			ref := func(in [][]float64) []float64 {
				o, _ := refAttention(in[0], sh)
				return o
			}
			at := e.sample(len(xv), 24)
			if len(xv) <= 1000 {
				at = e.sample(len(xv), len(xv)) // every element
			}
			want := numGradAt([][]float64{xv}, 0, at, up, ref)
			dqkv, pre := e.gradBuf(len(xv))
			e.must("AttentionBackward", s.dev.AttentionBackward(dqkv, dout, qkv, out, lse, sh))
			e.expect(fmt.Sprintf("dqkv at %d elements", len(at)), pick(e.read(dqkv), at), accum(pick(pre, at), want), s.tol("grad", dt))
		})
	}
}

// refAttention returns causal softmax(q·kᵀ/sqrt(d))·v and each row's
// log-sum-exp, with the qkv layout of tensor.AttentionShape.
func refAttention(qkv []float64, s tensor.AttentionShape) (out, lse []float64) {
	c := s.Heads * s.HeadDim
	out, lse = make([]float64, s.Batch*s.SeqLen*c), make([]float64, s.Batch*s.Heads*s.SeqLen)
	scale := 1 / math.Sqrt(float64(s.HeadDim))
	at := func(b, t, part, h, j int) float64 { return qkv[(b*s.SeqLen+t)*3*c+part*c+h*s.HeadDim+j] }
	sc := make([]float64, s.SeqLen)
	for b := range s.Batch {
		for h := range s.Heads {
			for i := range s.SeqLen {
				mx := math.Inf(-1)
				for k := 0; k <= i; k++ {
					var dot float64
					for j := range s.HeadDim {
						dot += at(b, i, 0, h, j) * at(b, k, 1, h, j)
					}
					sc[k] = dot * scale
					mx = max(mx, sc[k])
				}
				var sum float64
				for k := 0; k <= i; k++ {
					sc[k] = math.Exp(sc[k] - mx)
					sum += sc[k]
				}
				for j := range s.HeadDim {
					var v float64
					for k := 0; k <= i; k++ {
						v += sc[k] * at(b, k, 2, h, j)
					}
					out[(b*s.SeqLen+i)*c+h*s.HeadDim+j] = v / sum
				}
				lse[(b*s.Heads+h)*s.SeqLen+i] = mx + math.Log(sum)
			}
		}
	}
	return out, lse
}
