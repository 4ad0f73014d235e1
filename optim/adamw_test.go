package optim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
)

func params(m *nn.Model) []Param {
	var out []Param
	for _, p := range m.Params() {
		out = append(out, Param{Name: p.Name, T: p.T, Decay: p.Decay})
	}
	return out
}

// batch returns a fixed pseudo-random batch of ids and next-token targets.
func batch(t *testing.T, dev tensor.Device, b, seq, vocab int, seed uint64) (*tensor.Tensor, *tensor.Tensor) {
	r := nn.NewRNG(seed)
	ids := make([]int32, b*(seq+1))
	for i := range ids {
		ids[i] = int32(r.Uint64() % uint64(vocab))
	}
	in := make([]int32, 0, b*seq)
	tg := make([]int32, 0, b*seq)
	for i := 0; i < b; i++ {
		row := ids[i*(seq+1) : (i+1)*(seq+1)]
		in = append(in, row[:seq]...)
		tg = append(tg, row[1:]...)
	}
	x, err := tensor.FromInt32(dev, in, b, seq)
	require.NoError(t, err)
	y, err := tensor.FromInt32(dev, tg, b, seq)
	require.NoError(t, err)
	return x, y
}

func TestOverfitOneBatch(t *testing.T) {
	dev := cpu.New()
	for _, act := range []nn.Activation{nn.GeLU, nn.SwiGLU} {
		c := nn.Config{Layers: 2, Width: 32, Heads: 2, Vocab: 64, SeqLen: 16, Activation: act}
		m, err := nn.New(dev, c, 1)
		require.NoError(t, err)
		opt, err := NewAdamW(dev, params(m), Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0, ClipNorm: 1})
		require.NoError(t, err)
		x, y := batch(t, dev, 4, 16, 64, 9)
		g := tensor.NewGraph(dev)
		var first, last float32
		for step := 0; step < 150; step++ {
			require.NoError(t, m.ZeroGrad())
			g.Reset()
			loss, err := m.Loss(g, x, y, 1)
			require.NoError(t, err)
			v, err := loss.Item()
			require.NoError(t, err)
			require.NoError(t, g.Backward(loss))
			_, err = opt.Step(1e-2)
			require.NoError(t, err)
			if step == 0 {
				first = v
			}
			last = v
		}
		assert.InDelta(t, math.Log(64), float64(first), 0.1, act)
		assert.Less(t, last, float32(0.05), "%s: one batch of 64 random tokens is memorised (first loss %v)", act, first)
		opt.Free()
		m.Free()
	}
}

// grads runs forward and backward over the given micro-batches with
// gradScale 1/len and returns every gradient.
func grads(t *testing.T, dev tensor.Device, m *nn.Model, micro [][2]*tensor.Tensor) [][]float32 {
	require.NoError(t, m.ZeroGrad())
	g := tensor.NewGraph(dev)
	for _, mb := range micro {
		g.Reset()
		loss, err := m.Loss(g, mb[0], mb[1], 1/float32(len(micro)))
		require.NoError(t, err)
		require.NoError(t, g.Backward(loss))
	}
	g.Reset()
	var out [][]float32
	for _, p := range m.Params() {
		v, err := p.T.Grad.Float32s()
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func TestGradientAccumulationEquivalence(t *testing.T) {
	dev := cpu.New()
	c := nn.Config{Layers: 2, Width: 32, Heads: 2, Vocab: 50, SeqLen: 8, Activation: nn.SwiGLU}
	m, err := nn.New(dev, c, 4)
	require.NoError(t, err)
	r := nn.NewRNG(3)
	in := make([]int32, 4*8)
	tg := make([]int32, 4*8)
	for i := range in {
		in[i], tg[i] = int32(r.Uint64()%50), int32(r.Uint64()%50)
	}
	mk := func(v []int32, rows int) *tensor.Tensor {
		x, err := tensor.FromInt32(dev, v, rows, 8)
		require.NoError(t, err)
		return x
	}
	whole := grads(t, dev, m, [][2]*tensor.Tensor{{mk(in, 4), mk(tg, 4)}})
	halves := grads(t, dev, m, [][2]*tensor.Tensor{{mk(in[:16], 2), mk(tg[:16], 2)}, {mk(in[16:], 2), mk(tg[16:], 2)}})
	for i, p := range m.Params() {
		var maxAbs, maxDiff float64
		for j := range whole[i] {
			maxAbs = math.Max(maxAbs, math.Abs(float64(whole[i][j])))
			maxDiff = math.Max(maxDiff, math.Abs(float64(whole[i][j]-halves[i][j])))
		}
		assert.LessOrEqual(t, maxDiff, 1e-5*maxAbs+1e-9, "%s: 1×B and 2×B/2 gradients differ", p.Name)
		assert.Greater(t, maxAbs, 0.0, "%s has a gradient", p.Name)
	}
}

func TestAdamWDecayOnlyMarkedAndFirstStep(t *testing.T) {
	dev := cpu.New()
	w, _ := tensor.FromFloat32(dev, []float32{1, -2}, 2)
	b, _ := tensor.FromFloat32(dev, []float32{1, -2}, 2)
	for _, p := range []*tensor.Tensor{w, b} {
		require.NoError(t, p.ZeroGrad())
		require.NoError(t, p.Grad.CopyFrom([]float32{0.5, 0.5}))
	}
	opt, err := NewAdamW(dev, []Param{{Name: "w", T: w, Decay: true}, {Name: "b", T: b}}, Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1})
	require.NoError(t, err)
	norm, err := opt.Step(0.01)
	require.NoError(t, err)
	assert.InDelta(t, 1.0, norm, 1e-6) // sqrt(4·0.25)
	// Bias-corrected first Adam step moves by lr·sign(g); decay adds lr·wd·p.
	wv, _ := w.Float32s()
	bv, _ := b.Float32s()
	assert.InDelta(t, 1-0.01-0.01*0.1*1, wv[0], 1e-6)
	assert.InDelta(t, -2-0.01+0.01*0.1*2, wv[1], 1e-6)
	assert.InDelta(t, 1-0.01, bv[0], 1e-6)
	assert.InDelta(t, -2-0.01, bv[1], 1e-6)
	assert.Equal(t, 1, opt.Steps())
}

func TestAdamWClipsAndRejectsNonFinite(t *testing.T) {
	dev := cpu.New()
	p, _ := tensor.FromFloat32(dev, []float32{0, 0}, 2)
	require.NoError(t, p.ZeroGrad())
	require.NoError(t, p.Grad.CopyFrom([]float32{30, 40}))
	opt, err := NewAdamW(dev, []Param{{Name: "p", T: p}}, Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, ClipNorm: 1})
	require.NoError(t, err)
	norm, err := opt.Step(1)
	require.NoError(t, err)
	assert.InDelta(t, 50, norm, 1e-4, "norm before clipping")
	m, _ := opt.Moments(0)
	mv, _ := m.Float32s()
	// m = (1−β1)·g·scale with scale = 1/50: the clipped gradient (0.6, 0.8).
	assert.InDelta(t, 0.1*0.6, mv[0], 1e-6)
	assert.InDelta(t, 0.1*0.8, mv[1], 1e-6)

	require.NoError(t, p.Grad.CopyFrom([]float32{float32(math.NaN()), 1}))
	before, _ := p.Float32s()
	_, err = opt.Step(1)
	require.ErrorIs(t, err, ErrNonFinite)
	after, _ := p.Float32s()
	assert.Equal(t, before, after, "nothing changes on a non-finite gradient")
	assert.Equal(t, 1, opt.Steps())
}

func TestNewAdamWRejectsBadHyper(t *testing.T) {
	dev := cpu.New()
	for _, h := range []Hyper{{Beta1: 1, Beta2: 0.9, Eps: 1e-8}, {Beta1: 0.9, Beta2: 0.9, Eps: 0}, {Beta1: 0.9, Beta2: 0.9, Eps: 1e-8, WeightDecay: -1}} {
		_, err := NewAdamW(dev, nil, h)
		assert.Error(t, err, "%+v", h)
	}
}
