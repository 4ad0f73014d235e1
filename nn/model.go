package nn

import (
	"context"
	"fmt"

	"github.com/empirical-scaling/harness/tensor"
)

// Model is a GPT (GPT-2 family, pre-norm) whose parameters live on one
// device: token embedding wte [V, d] tied with the output layer, learned
// positions wpe [T, d], L blocks of LayerNorm → causal multi-head
// attention → residual and LayerNorm → feed-forward → residual, and a final
// LayerNorm.
type Model struct {
	Config   Config
	WTE, WPE *tensor.Tensor
	Blocks   []Block
	LNFW     *tensor.Tensor
	LNFB     *tensor.Tensor
	// Precision is the dtype the model computes in (f32 or bf16).
	Precision Precision

	params []Param
}

// New allocates a model on dev and initialises it as GPT-2 does from
// seed: weights normal(0, 0.02), the residual output projections
// (attn.c_proj, mlp.c_proj) normal(0, 0.02/sqrt(2L)), LayerNorm gains 1
// and biases 0. The same seed gives bit-identical weights everywhere.
// The model computes in float32; NewWithPrecision picks bf16.
func New(dev tensor.Device, cfg Config, seed uint64) (*Model, error) {
	return NewWithPrecision(dev, cfg, seed, F32)
}

// NewWithPrecision is New in precision prec. In bf16 every parameter is a
// BFloat16 working tensor (what the forward and backward passes read, and
// whose gradient they write) plus a Float32 master copy (Param.Master)
// holding the same float32 initial values that New draws; the optimizer
// updates the master and rounds it into the working copy.
func NewWithPrecision(dev tensor.Device, cfg Config, seed uint64, prec Precision) (*Model, error) {
	return Init(context.Background(), dev, cfg, seed, prec)
}

// initCheckEvery is how many weights Init draws between looks at its
// context (a few milliseconds of work).
const initCheckEvery = 1 << 20

// Init is NewWithPrecision that stops, freeing what it allocated, soon
// after ctx is cancelled: a large model takes minutes to draw on a CPU.
func Init(ctx context.Context, dev tensor.Device, cfg Config, seed uint64, prec Precision) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, err := ParsePrecision(string(prec)); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	m := &Model{Config: cfg, Blocks: make([]Block, cfg.Layers), Precision: prec}
	rng := NewRNG(seed)
	for _, s := range m.specs() {
		n := 1
		for _, v := range s.shape {
			n *= v
		}
		host := make([]float32, n)
		switch s.kind {
		case initNormal:
			for i := range host {
				if i%initCheckEvery == 0 && ctx.Err() != nil {
					m.Free()
					return nil, fmt.Errorf("nn: initialise %s: %w", s.name, ctx.Err())
				}
				host[i] = float32(s.std * rng.Normal())
			}
		case initOnes:
			for i := range host {
				host[i] = 1
			}
		}
		var master *tensor.Tensor
		if prec == BF16 {
			mt, err := tensor.FromFloat32(dev, host, s.shape...)
			if err != nil {
				m.Free()
				return nil, fmt.Errorf("nn: allocate master weights of %s: %w", s.name, err)
			}
			master = mt
		}
		t, err := tensor.FromFloat32As(dev, prec.DType(), host, s.shape...)
		if err != nil {
			if master != nil {
				master.Free()
			}
			m.Free()
			return nil, fmt.Errorf("nn: allocate %s: %w", s.name, err)
		}
		t.SetRequiresGrad(true)
		*s.target = t
		m.params = append(m.params, Param{Name: s.name, T: t, Master: master, Decay: s.decay, Embedding: s.embed})
	}
	return m, nil
}

// Params lists every trainable tensor with its checkpoint name, in a fixed
// order. The sum of their sizes is Config.Params().Total.
func (m *Model) Params() []Param { return m.params }

// Free releases the parameters, their gradients and master weights.
func (m *Model) Free() {
	for _, p := range m.params {
		p.T.Free()
		if p.Master != nil {
			p.Master.Free()
		}
	}
	m.params = nil
}

// ZeroGrad sets every parameter's gradient to zero.
func (m *Model) ZeroGrad() error {
	for _, p := range m.params {
		if err := p.T.ZeroGrad(); err != nil {
			return fmt.Errorf("nn: zero gradient of %s: %w", p.Name, err)
		}
	}
	return nil
}

// Loss runs the forward pass on ids [B, T] (Int32) and returns the mean
// cross-entropy against targets [B, T]. gradScale scales the gradient the
// backward pass will produce (1/k for k accumulated micro-batches); with
// recording on, the returned loss is the tensor to pass to Backward.
func (m *Model) Loss(g *tensor.Graph, ids, targets *tensor.Tensor, gradScale float32) (*tensor.Tensor, error) {
	logits, err := m.Logits(g, ids)
	if err != nil {
		return nil, err
	}
	loss, err := g.CrossEntropy(logits, targets, gradScale)
	if err != nil {
		return nil, fmt.Errorf("nn: loss: %w", err)
	}
	return loss, nil
}

// Logits runs the forward pass on ids [B, T] and returns the logits
// [B, T, V] of the tied output layer.
func (m *Model) Logits(g *tensor.Graph, ids *tensor.Tensor) (*tensor.Tensor, error) {
	if ids.Dim(1) > m.Config.SeqLen {
		return nil, fmt.Errorf("nn: sequence of %d tokens exceeds the context of %d", ids.Dim(1), m.Config.SeqLen)
	}
	x, err := g.Embedding(m.WTE, m.WPE, ids)
	if err != nil {
		return nil, fmt.Errorf("nn: embedding: %w", err)
	}
	for i := range m.Blocks {
		if x, err = m.block(g, &m.Blocks[i], x); err != nil {
			return nil, fmt.Errorf("nn: block %d: %w", i, err)
		}
	}
	if x, err = g.LayerNorm(x, m.LNFW, m.LNFB); err != nil {
		return nil, fmt.Errorf("nn: ln_f: %w", err)
	}
	logits, err := g.Linear(x, m.WTE)
	if err != nil {
		return nil, fmt.Errorf("nn: output layer: %w", err)
	}
	return logits, nil
}

// block applies one pre-norm transformer block to the residual stream x.
func (m *Model) block(g *tensor.Graph, b *Block, x *tensor.Tensor) (*tensor.Tensor, error) {
	h, err := g.LayerNorm(x, b.LN1W, b.LN1B)
	if err != nil {
		return nil, err
	}
	if h, err = g.Linear(h, b.Attn); err != nil {
		return nil, err
	}
	if h, err = g.Attention(h, m.Config.Heads); err != nil {
		return nil, err
	}
	if h, err = g.Linear(h, b.AttnProj); err != nil {
		return nil, err
	}
	if x, err = g.Add(x, h); err != nil {
		return nil, err
	}
	if h, err = g.LayerNorm(x, b.LN2W, b.LN2B); err != nil {
		return nil, err
	}
	if h, err = g.Linear(h, b.FC); err != nil {
		return nil, err
	}
	if m.Config.Activation == SwiGLU {
		h, err = g.SwiGLU(h)
	} else {
		h, err = g.GeLU(h)
	}
	if err != nil {
		return nil, err
	}
	if h, err = g.Linear(h, b.FCProj); err != nil {
		return nil, err
	}
	return g.Add(x, h)
}
