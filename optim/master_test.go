package optim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
)

// adamwSpy records each AdamW call's working and master buffers. The CPU
// device's AdamW wants a float32 gradient, so a bf16 gradient is widened
// first (what the CUDA kernel does as it loads it).
type adamwSpy struct {
	tensor.Device
	params, masters []tensor.Buffer
}

func (s *adamwSpy) AdamW(p tensor.AdamWParams, param, grad, m, v, master tensor.Buffer) error {
	s.params, s.masters = append(s.params, param), append(s.masters, master)
	if grad.DType() == tensor.Float32 {
		return s.Device.AdamW(p, param, grad, m, v, master)
	}
	g32, err := s.Alloc(tensor.Float32, grad.Len())
	if err != nil {
		return err
	}
	defer s.Free(g32)
	if err := s.Copy(g32, grad); err != nil {
		return err
	}
	return s.Device.AdamW(p, param, g32, m, v, master)
}

func paramsWithMasters(m *nn.Model) []Param {
	var out []Param
	for _, p := range m.Params() {
		out = append(out, Param{Name: p.Name, T: p.T, Master: p.Master, Decay: p.Decay})
	}
	return out
}

// setGrads gives every parameter the same bf16-representable gradient
// pattern, so the f32 and the bf16 model see identical gradients.
func setGrads(t *testing.T, ps []Param) {
	for i, p := range ps {
		require.NoError(t, p.T.ZeroGrad())
		g := make([]float32, p.T.Len())
		for j := range g {
			g[j] = float32((i+3*j)%17-8) / 64
		}
		require.NoError(t, p.T.Grad.CopyFrom(g))
	}
}

// In mixed precision every AdamW call gets the parameter's float32 master:
// the masters then follow the f32 model's weights bit for bit (same
// gradients, same float32 update), and the bf16 working copies are those
// masters rounded. SyncWorking rewrites the working copies from the masters.
func TestAdamWUpdatesMasters(t *testing.T) {
	cfg := nn.Config{Layers: 1, Width: 32, Heads: 2, Vocab: 40, SeqLen: 8, Activation: nn.GeLU}
	h := Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: 1}
	base := cpu.New()
	spy := &adamwSpy{Device: base}

	ref, err := nn.New(base, cfg, 3)
	require.NoError(t, err)
	defer ref.Free()
	refPs := params(ref)
	refOpt, err := NewAdamW(base, refPs, h)
	require.NoError(t, err)
	defer refOpt.Free()

	m, err := nn.NewWithPrecision(spy, cfg, 3, nn.BF16)
	require.NoError(t, err)
	defer m.Free()
	ps := paramsWithMasters(m)
	opt, err := NewAdamW(spy, ps, h)
	require.NoError(t, err)
	defer opt.Free()

	for step := 0; step < 3; step++ {
		setGrads(t, refPs)
		setGrads(t, ps)
		wantNorm, err := refOpt.Step(1e-2)
		require.NoError(t, err)
		spy.params, spy.masters = nil, nil
		norm, err := opt.Step(1e-2)
		require.NoError(t, err)
		assert.InDelta(t, wantNorm, norm, 1e-9*wantNorm, "gradient norm over bf16 gradients")
		require.Len(t, spy.masters, len(ps))
		for i, p := range ps {
			assert.Same(t, p.Master.Buffer(), spy.masters[i], "%s: AdamW got the master", p.Name)
			assert.Same(t, p.T.Buffer(), spy.params[i], "%s: AdamW got the working copy", p.Name)
		}
	}
	for i, p := range ps {
		want, err := refPs[i].T.Float32s()
		require.NoError(t, err)
		master, err := p.Master.Float32s()
		require.NoError(t, err)
		require.Equal(t, want, master, "%s: master follows the f32 weights", p.Name)
		assert.Same(t, p.Master, p.Weights())
		assert.Same(t, refPs[i].T, refPs[i].Weights())
		rounded, err := tensor.FromFloat32As(base, tensor.BFloat16, want, p.T.Shape()...)
		require.NoError(t, err)
		wantWork, err := rounded.Float32s()
		require.NoError(t, err)
		rounded.Free()
		work, err := p.T.Float32s()
		require.NoError(t, err)
		require.Equal(t, wantWork, work, "%s: working copy is the rounded master", p.Name)
	}

	// SyncWorking: overwrite a master, then the working copy follows.
	p := ps[0]
	ones := make([]float32, p.T.Len())
	for i := range ones {
		ones[i] = 1.5
	}
	require.NoError(t, p.Master.CopyFrom(ones))
	require.NoError(t, opt.SyncWorking())
	work, err := p.T.Float32s()
	require.NoError(t, err)
	assert.Equal(t, ones, work)
}

func TestNewAdamWRejectsBadMaster(t *testing.T) {
	dev := cpu.New()
	w, err := tensor.New(dev, tensor.BFloat16, 4, 4)
	require.NoError(t, err)
	for name, master := range map[string][]int{"wrong size": {3, 4}} {
		mt, err := tensor.New(dev, tensor.Float32, master...)
		require.NoError(t, err)
		_, err = NewAdamW(dev, []Param{{Name: "w", T: w, Master: mt}}, Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8})
		assert.ErrorContains(t, err, "master weights of w", name)
	}
	bad, err := tensor.New(dev, tensor.BFloat16, 4, 4)
	require.NoError(t, err)
	_, err = NewAdamW(dev, []Param{{Name: "w", T: w, Master: bad}}, Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8})
	assert.ErrorContains(t, err, "want Float32", "bf16 master")
}
