package nn

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

func tinyConfig(act Activation) Config {
	return Config{Layers: 2, Width: 32, Heads: 2, Vocab: 50, SeqLen: 16, Activation: act}
}

func TestModelParamsMatchCount(t *testing.T) {
	dev := cpu.New()
	for _, act := range []Activation{GeLU, SwiGLU} {
		c := tinyConfig(act)
		m, err := New(dev, c, 1)
		require.NoError(t, err)
		var total, nonEmb int64
		names := map[string]bool{}
		for _, p := range m.Params() {
			total += int64(p.T.Len())
			if !p.Embedding {
				nonEmb += int64(p.T.Len())
			}
			assert.False(t, names[p.Name], "duplicate %s", p.Name)
			names[p.Name] = true
			if p.Decay {
				assert.Len(t, p.T.Shape(), 2, "%s: only matrices decay", p.Name)
			}
		}
		assert.Equal(t, c.Params().Total, total, act)
		assert.Equal(t, c.Params().NonEmbedding, nonEmb, act)
		assert.True(t, names["transformer.h.1.attn.c_attn.weight"])
		m.Free()
	}
}

func TestInitStatisticsAndDeterminism(t *testing.T) {
	dev := cpu.New()
	c := Config{Layers: 4, Width: 64, Heads: 4, Vocab: 200, SeqLen: 32, Activation: GeLU}
	a, err := New(dev, c, 7)
	require.NoError(t, err)
	b, err := New(dev, c, 7)
	require.NoError(t, err)
	other, err := New(dev, c, 8)
	require.NoError(t, err)
	for i, p := range a.Params() {
		x, err := p.T.Float32s()
		require.NoError(t, err)
		y, err := b.Params()[i].T.Float32s()
		require.NoError(t, err)
		assert.Equal(t, x, y, "%s: same seed, same weights", p.Name)
		z, err := other.Params()[i].T.Float32s()
		require.NoError(t, err)
		std := stdOf(x)
		switch {
		case p.Name == "transformer.h.0.attn.c_proj.weight":
			assert.InDelta(t, 0.02/math.Sqrt(8), std, 0.001, p.Name)
			assert.NotEqual(t, x, z)
		case p.Name == "transformer.wte.weight" || p.Name == "transformer.h.0.mlp.c_fc.weight":
			assert.InDelta(t, 0.02, std, 0.001, p.Name)
			assert.NotEqual(t, x, z)
		case p.Name == "transformer.ln_f.weight":
			assert.Equal(t, float32(1), x[0])
			assert.Zero(t, std)
		}
	}
}

func stdOf(x []float32) float64 {
	var s, s2 float64
	for _, v := range x {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	n := float64(len(x))
	return math.Sqrt(s2/n - (s/n)*(s/n))
}

func TestInitialLossIsLogVocab(t *testing.T) {
	dev := cpu.New()
	for _, act := range []Activation{GeLU, SwiGLU} {
		c := tinyConfig(act)
		m, err := New(dev, c, 3)
		require.NoError(t, err)
		ids := make([]int32, 4*c.SeqLen)
		tg := make([]int32, 4*c.SeqLen)
		for i := range ids {
			ids[i] = int32((i * 7) % c.Vocab)
			tg[i] = int32((i*7 + 1) % c.Vocab) // not the input: tied weights favour repeating it
		}
		in, err := tensor.FromInt32(dev, ids, 4, c.SeqLen)
		require.NoError(t, err)
		tgt, err := tensor.FromInt32(dev, tg, 4, c.SeqLen)
		require.NoError(t, err)
		g := tensor.NewGraph(dev)
		g.SetGradEnabled(false)
		loss, err := m.Loss(g, in, tgt, 1)
		require.NoError(t, err)
		v, err := loss.Item()
		require.NoError(t, err)
		assert.InDelta(t, math.Log(float64(c.Vocab)), float64(v), 0.05, act)
	}
}

// TestGradientFiniteDifference checks the whole model's backward pass
// against central differences on a few weights of every kind.
func TestGradientFiniteDifference(t *testing.T) {
	dev := cpu.New()
	for _, act := range []Activation{GeLU, SwiGLU} {
		c := Config{Layers: 1, Width: 16, Heads: 2, Vocab: 11, SeqLen: 5, Activation: act}
		m, err := New(dev, c, 5)
		require.NoError(t, err)
		// Larger weights than GPT-2's init so that every path matters.
		for _, p := range m.Params() {
			x, _ := p.T.Float32s()
			for i := range x {
				if len(p.T.Shape()) == 2 {
					x[i] *= 10
				}
			}
			require.NoError(t, p.T.CopyFrom(x))
		}
		ids := []int32{1, 4, 2, 9, 0, 3, 3, 7, 10, 5}
		tg := []int32{4, 2, 9, 0, 6, 3, 7, 10, 5, 1}
		in, _ := tensor.FromInt32(dev, ids, 2, 5)
		tgt, _ := tensor.FromInt32(dev, tg, 2, 5)
		g := tensor.NewGraph(dev)
		lossAt := func() float64 {
			g.Reset()
			g.SetGradEnabled(false)
			l, err := m.Loss(g, in, tgt, 1)
			require.NoError(t, err)
			v, _ := l.Item()
			g.SetGradEnabled(true)
			return float64(v)
		}
		require.NoError(t, m.ZeroGrad())
		g.Reset()
		l, err := m.Loss(g, in, tgt, 1)
		require.NoError(t, err)
		require.NoError(t, g.Backward(l))
		for _, p := range m.Params() {
			grad, err := p.T.Grad.Float32s()
			require.NoError(t, err)
			x, _ := p.T.Float32s()
			for _, i := range []int{0, len(x) / 2, len(x) - 1} {
				const h = 1e-2
				orig := x[i]
				x[i] = orig + h
				require.NoError(t, p.T.CopyFrom(x))
				up := lossAt()
				x[i] = orig - h
				require.NoError(t, p.T.CopyFrom(x))
				down := lossAt()
				x[i] = orig
				require.NoError(t, p.T.CopyFrom(x))
				fd := (up - down) / (2 * h)
				assert.InDelta(t, fd, float64(grad[i]), 2e-3+0.05*math.Abs(fd), "%s %s[%d]", act, p.Name, i)
			}
		}
	}
}

// TestInitStopsWhenCancelled cancels the context before a model is drawn:
// Init returns the context's error and leaves nothing allocated.
func TestInitStopsWhenCancelled(t *testing.T) {
	dev := cpu.New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Init(ctx, dev, Config{Layers: 2, Width: 64, Heads: 4, Vocab: 256, SeqLen: 32, Activation: GeLU}, 1, F32)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, dev.MemStats().LiveBytes, "every buffer given back")
}
