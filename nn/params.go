package nn

import (
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/tensor"
)

// Param is one named trainable tensor of the model. Names follow GPT-2 /
// nanoGPT's state dict (transformer.h.0.attn.c_attn.weight, ...), with
// PyTorch's Linear layout [out, in].
type Param struct {
	Name string
	// T is the working tensor the model computes with (Float32, or
	// BFloat16 in bf16 precision); its Grad has the same dtype.
	T *tensor.Tensor
	// Master holds the Float32 master weights in bf16 precision (nil in
	// f32, where T is its own master). Checkpoints store it.
	Master *tensor.Tensor
	// Decay marks the matrices of linear layers, the only parameters that
	// get weight decay by default (not LayerNorm gains and biases, not the
	// embeddings).
	Decay bool
	// Embedding marks wte and wpe.
	Embedding bool
}

// Block holds one transformer block's parameters.
type Block struct {
	LN1W, LN1B, Attn, AttnProj, LN2W, LN2B, FC, FCProj *tensor.Tensor
}

// paramSpec describes a parameter before it is allocated.
type paramSpec struct {
	name   string
	shape  []int
	kind   int     // initNormal, initOnes, initZeros
	std    float64 // for initNormal
	decay  bool
	embed  bool
	target **tensor.Tensor
}

const (
	initNormal = iota
	initOnes
	initZeros
)

// specs lists every parameter in a fixed order (the init order).
func (m *Model) specs() []paramSpec {
	c := m.Config
	d, h := c.Width, c.FFNHidden()
	const std = 0.02
	resid := std / math.Sqrt(float64(2*c.Layers)) // GPT-2: residual projections scaled by 1/sqrt(2L)
	fc := h
	if c.Activation == SwiGLU {
		fc = 2 * h // [gate | up] rows: W1 then W3
	}
	out := []paramSpec{
		{name: "transformer.wte.weight", shape: []int{c.Vocab, d}, kind: initNormal, std: std, embed: true, target: &m.WTE},
		{name: "transformer.wpe.weight", shape: []int{c.SeqLen, d}, kind: initNormal, std: std, embed: true, target: &m.WPE},
	}
	for i := range m.Blocks {
		b := &m.Blocks[i]
		p := fmt.Sprintf("transformer.h.%d.", i)
		out = append(out,
			paramSpec{name: p + "ln_1.weight", shape: []int{d}, kind: initOnes, target: &b.LN1W},
			paramSpec{name: p + "ln_1.bias", shape: []int{d}, kind: initZeros, target: &b.LN1B},
			paramSpec{name: p + "attn.c_attn.weight", shape: []int{3 * d, d}, kind: initNormal, std: std, decay: true, target: &b.Attn},
			paramSpec{name: p + "attn.c_proj.weight", shape: []int{d, d}, kind: initNormal, std: resid, decay: true, target: &b.AttnProj},
			paramSpec{name: p + "ln_2.weight", shape: []int{d}, kind: initOnes, target: &b.LN2W},
			paramSpec{name: p + "ln_2.bias", shape: []int{d}, kind: initZeros, target: &b.LN2B},
			paramSpec{name: p + "mlp.c_fc.weight", shape: []int{fc, d}, kind: initNormal, std: std, decay: true, target: &b.FC},
			paramSpec{name: p + "mlp.c_proj.weight", shape: []int{d, h}, kind: initNormal, std: resid, decay: true, target: &b.FCProj},
		)
	}
	out = append(out,
		paramSpec{name: "transformer.ln_f.weight", shape: []int{d}, kind: initOnes, target: &m.LNFW},
		paramSpec{name: "transformer.ln_f.bias", shape: []int{d}, kind: initZeros, target: &m.LNFB},
	)
	return out
}
