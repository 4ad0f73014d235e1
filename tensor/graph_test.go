package tensor_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// model is a small GPT-like stack of every Graph op, for the tape tests.
type model struct {
	wte, wpe, lnw, lnb, wqkv, wo, w1, w2 *tensor.Tensor
	ids, targets                         *tensor.Tensor
	heads                                int
}

const (
	mVocab, mWidth, mHeads, mSeq, mBatch, mHidden = 11, 8, 2, 5, 3, 16
)

func randn(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * scale)
	}
	return v
}

func param(t *testing.T, dev tensor.Device, rng *rand.Rand, scale float64, shape ...int) *tensor.Tensor {
	t.Helper()
	n := 1
	for _, s := range shape {
		n *= s
	}
	x, err := tensor.FromFloat32(dev, randn(rng, n, scale), shape...)
	require.NoError(t, err)
	x.SetRequiresGrad(true)
	return x
}

func newModel(t *testing.T, dev tensor.Device) *model {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]int32, mBatch*mSeq)
	tg := make([]int32, mBatch*mSeq)
	for i := range ids {
		ids[i], tg[i] = int32(rng.IntN(mVocab)), int32(rng.IntN(mVocab))
	}
	m := &model{
		wte:   param(t, dev, rng, 0.3, mVocab, mWidth),
		wpe:   param(t, dev, rng, 0.3, mSeq, mWidth),
		lnw:   param(t, dev, rng, 0.1, mWidth),
		lnb:   param(t, dev, rng, 0.1, mWidth),
		wqkv:  param(t, dev, rng, 0.3, 3*mWidth, mWidth),
		wo:    param(t, dev, rng, 0.3, mWidth, mWidth),
		w1:    param(t, dev, rng, 0.3, 2*mHidden, mWidth),
		w2:    param(t, dev, rng, 0.3, mWidth, mHidden),
		heads: mHeads,
	}
	var err error
	m.ids, err = tensor.FromInt32(dev, ids, mBatch, mSeq)
	require.NoError(t, err)
	m.targets, err = tensor.FromInt32(dev, tg, mBatch, mSeq)
	require.NoError(t, err)
	return m
}

func (m *model) params() []*tensor.Tensor {
	return []*tensor.Tensor{m.wte, m.wpe, m.lnw, m.lnb, m.wqkv, m.wo, m.w1, m.w2}
}

// forward returns the logits and the loss of one block with both FFN
// activations (GeLU on one half of w1's output rows, SwiGLU on all of it).
func (m *model) forward(t *testing.T, g *tensor.Graph) (logits, loss *tensor.Tensor) {
	t.Helper()
	x, err := g.Embedding(m.wte, m.wpe, m.ids)
	require.NoError(t, err)
	h, err := g.LayerNorm(x, m.lnw, m.lnb)
	require.NoError(t, err)
	qkv, err := g.Linear(h, m.wqkv)
	require.NoError(t, err)
	a, err := g.Attention(qkv, m.heads)
	require.NoError(t, err)
	p, err := g.Linear(a, m.wo)
	require.NoError(t, err)
	x, err = g.Add(x, p)
	require.NoError(t, err)
	u, err := g.Linear(x, m.w1)
	require.NoError(t, err)
	s, err := g.SwiGLU(u)
	require.NoError(t, err)
	s, err = g.GeLU(s)
	require.NoError(t, err)
	f, err := g.Linear(s, m.w2)
	require.NoError(t, err)
	x, err = g.Add(x, f)
	require.NoError(t, err)
	logits, err = g.Linear(x, m.wte)
	require.NoError(t, err)
	loss, err = g.CrossEntropy(logits, m.targets, 1)
	require.NoError(t, err)
	return logits, loss
}

func TestNoGradRecordsNothing(t *testing.T) {
	dev := cpu.New()
	m := newModel(t, dev)
	g := tensor.NewGraph(dev)
	g.SetGradEnabled(false)
	require.False(t, g.GradEnabled())
	logits, loss := m.forward(t, g)
	assert.False(t, logits.RequiresGrad(), "outputs of a no-grad graph need no gradient")
	assert.False(t, loss.RequiresGrad())
	_, err := logits.Float32s()
	assert.NoError(t, err, "without gradients CrossEntropy must not overwrite the logits")
	l, err := loss.Item()
	require.NoError(t, err)
	assert.Greater(t, l, float32(0))
	err = g.Backward(loss)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not depend")
	for _, p := range m.params() {
		assert.Nil(t, p.Grad, "no gradient may be allocated in no-grad mode")
	}

	// The same forward with recording on gives the same loss.
	g2 := tensor.NewGraph(dev)
	_, loss2 := m.forward(t, g2)
	l2, err := loss2.Item()
	require.NoError(t, err)
	assert.Equal(t, l, l2)
}

func TestResetRecyclesBuffers(t *testing.T) {
	dev := cpu.New()
	m := newModel(t, dev)
	adam := tensor.AdamWParams{LR: 1e-2, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, GradScale: 1}
	var moments []*tensor.Tensor
	for _, p := range m.params() {
		require.NoError(t, p.ZeroGrad())
		mo, err := tensor.New(dev, tensor.Float32, p.Shape()...)
		require.NoError(t, err)
		v, err := tensor.New(dev, tensor.Float32, p.Shape()...)
		require.NoError(t, err)
		moments = append(moments, mo, v)
	}
	leafBytes := dev.MemStats().LiveBytes
	g := tensor.NewGraph(dev)
	var allocs int64
	var losses []float32
	for step := 1; step <= 20; step++ {
		_, loss := m.forward(t, g)
		l, err := loss.Item()
		require.NoError(t, err)
		losses = append(losses, l)
		require.NoError(t, g.Backward(loss))
		for i, p := range m.params() {
			adam.Step = step
			require.NoError(t, dev.AdamW(adam, p.Buffer(), p.Grad.Buffer(), moments[2*i].Buffer(), moments[2*i+1].Buffer(), nil))
			require.NoError(t, p.ZeroGrad())
		}
		g.Reset()
		st := dev.MemStats()
		assert.Equal(t, leafBytes, st.LiveBytes, "step %d: Reset must give back every buffer but the leaves'", step)
		if step == 1 {
			allocs = st.SystemAllocs
			continue
		}
		assert.Equal(t, allocs, st.SystemAllocs, "step %d allocated from the system", step)
	}
	assert.Less(t, losses[len(losses)-1], losses[0], "20 AdamW steps on a fixed batch must lower the loss")
}

func TestBackwardTwiceErrors(t *testing.T) {
	dev := cpu.New()
	m := newModel(t, dev)
	g := tensor.NewGraph(dev)
	_, loss := m.forward(t, g)
	require.NoError(t, g.Backward(loss))
	err := loss.Backward()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already ran")

	g.Reset()
	_, loss = m.forward(t, g)
	assert.NoError(t, g.Backward(loss), "after Reset a new forward pass can run backward again")
}

func TestCrossEntropyOverwritesLogits(t *testing.T) {
	dev := cpu.New()
	m := newModel(t, dev)
	g := tensor.NewGraph(dev)
	logits, loss := m.forward(t, g)
	_, err := logits.Float32s()
	require.Error(t, err, "logits were overwritten by their gradient")
	assert.Contains(t, err.Error(), "CrossEntropy")
	_, err = g.Add(logits, logits)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "overwritten in place by CrossEntropy")
	require.NoError(t, g.Backward(loss))
	for _, p := range m.params() {
		require.NotNil(t, p.Grad)
	}

	// A leaf's logits are copied, never overwritten.
	leaf, err := tensor.FromFloat32(dev, []float32{1, 2, 3, 4, 5, 6}, 2, 3)
	require.NoError(t, err)
	leaf.SetRequiresGrad(true)
	tg, err := tensor.FromInt32(dev, []int32{0, 2}, 2)
	require.NoError(t, err)
	g2 := tensor.NewGraph(dev)
	l2, err := g2.CrossEntropy(leaf, tg, 1)
	require.NoError(t, err)
	v, err := leaf.Float32s()
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 2, 3, 4, 5, 6}, v)
	require.NoError(t, g2.Backward(l2))
	gr, err := leaf.Grad.Float32s()
	require.NoError(t, err)
	var sum float32
	for _, x := range gr {
		sum += x
	}
	assert.InDelta(t, 0, sum, 1e-6, "softmax − one-hot rows sum to zero")
}

// TestTrainingIsDeterministic runs the same five training steps twice from
// the same start: every loss and every parameter must match bit for bit.
// (This model is small enough that most ops run on one goroutine; the
// parallel paths are checked at larger sizes in kernels/cpu.)
func TestTrainingIsDeterministic(t *testing.T) {
	run := func() ([]float32, [][]float32) {
		dev := cpu.New()
		m := newModel(t, dev)
		adam := tensor.AdamWParams{LR: 1e-2, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, GradScale: 1}
		var moments []tensor.Buffer
		for _, p := range m.params() {
			require.NoError(t, p.ZeroGrad())
			for range 2 {
				mo, err := tensor.New(dev, tensor.Float32, p.Shape()...)
				require.NoError(t, err)
				moments = append(moments, mo.Buffer())
			}
		}
		g := tensor.NewGraph(dev)
		var losses []float32
		for step := 1; step <= 5; step++ {
			_, loss := m.forward(t, g)
			l, err := loss.Item()
			require.NoError(t, err)
			losses = append(losses, l)
			require.NoError(t, g.Backward(loss))
			adam.Step = step
			for i, p := range m.params() {
				require.NoError(t, dev.AdamW(adam, p.Buffer(), p.Grad.Buffer(), moments[2*i], moments[2*i+1], nil))
				require.NoError(t, p.ZeroGrad())
			}
			g.Reset()
		}
		var params [][]float32
		for _, p := range m.params() {
			v, err := p.Float32s()
			require.NoError(t, err)
			params = append(params, v)
		}
		return losses, params
	}
	l1, p1 := run()
	l2, p2 := run()
	assert.Equal(t, l1, l2)
	assert.Equal(t, p1, p2)
}
