package cuda

import (
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A training step built from Graph ops (embedding, LayerNorm, attention,
// SwiGLU and GeLU layers, the fused classifier, gradient norm, AdamW) on the
// fake runtime: after the first step no allocation reaches the driver,
// scratch buffers included.
func TestTrainingStepAllocatesOnlyOnce(t *testing.T) {
	d, f := newFakeDevice(t)
	const b, tl, v, c, h = 2, 8, 50, 32, 2
	param := func(shape ...int) *tensor.Tensor {
		n := 1
		for _, s := range shape {
			n *= s
		}
		p, err := tensor.FromFloat32(d, make([]float32, n), shape...)
		require.NoError(t, err)
		p.SetRequiresGrad(true)
		return p
	}
	wte, wpe := param(v, c), param(tl, c)
	lnw, lnb := param(c), param(c)
	attn, w1, w2, w3 := param(3*c, c), param(4*c, c), param(c, 4*c), param(c, c/2)
	params := []*tensor.Tensor{wte, wpe, lnw, lnb, attn, w1, w2, w3}
	ids, err := tensor.FromInt32(d, make([]int32, b*tl), b, tl)
	require.NoError(t, err)
	tg, err := tensor.FromInt32(d, make([]int32, b*tl), b, tl)
	require.NoError(t, err)
	var m, vv []*tensor.Tensor
	for _, p := range params {
		mt, err := tensor.New(d, tensor.Float32, p.Shape()...)
		require.NoError(t, err)
		vt, err := tensor.New(d, tensor.Float32, p.Shape()...)
		require.NoError(t, err)
		m, vv = append(m, mt), append(vv, vt)
	}
	g := tensor.NewGraph(d)
	step := func(n int) {
		g.Reset()
		for _, p := range params {
			require.NoError(t, p.ZeroGrad())
		}
		x, err := g.Embedding(wte, wpe, ids)
		require.NoError(t, err)
		y, err := g.LayerNorm(x, lnw, lnb)
		require.NoError(t, err)
		qkv, err := g.Linear(y, attn)
		require.NoError(t, err)
		a, err := g.Attention(qkv, h)
		require.NoError(t, err)
		x, err = g.Add(x, a)
		require.NoError(t, err)
		u, err := g.Linear(x, w1)
		require.NoError(t, err)
		u, err = g.GeLU(u)
		require.NoError(t, err)
		z, err := g.Linear(u, w2)
		require.NoError(t, err)
		s, err := g.SwiGLU(z) // [.., c] → [.., c/2]
		require.NoError(t, err)
		s2, err := g.Linear(s, w3)
		require.NoError(t, err)
		logits, err := g.Linear(s2, wte)
		require.NoError(t, err)
		loss, err := g.CrossEntropy(logits, tg, 1)
		require.NoError(t, err)
		require.NoError(t, loss.Backward())
		var grads []tensor.Buffer
		for _, p := range params {
			grads = append(grads, p.Grad.Buffer())
		}
		_, err = d.SumSquares(grads)
		require.NoError(t, err)
		for i, p := range params {
			ap := tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, Step: n, GradScale: 1}
			require.NoError(t, d.AdamW(ap, p.Buffer(), p.Grad.Buffer(), m[i].Buffer(), vv[i].Buffer(), nil))
		}
	}
	step(1)
	first := d.MemStats().SystemAllocs
	launches := len(f.launches)
	for n := 2; n <= 4; n++ {
		step(n)
	}
	assert.Equal(t, first, d.MemStats().SystemAllocs, "no cuMemAlloc after the first step")
	assert.Greater(t, len(f.launches), launches)
}
