package nn

// Counts are a model's exact parameter counts.
type Counts struct {
	NonEmbedding int64 // N (Kaplan): every parameter except wte and wpe
	Embedding    int64 // wte (V·d, tied with the output layer) + wpe (T·d)
	Total        int64 // NonEmbedding + Embedding
}

// blockParams is the parameter count of one transformer block.
func (c Config) blockParams() int64 {
	d := int64(c.Width)
	h := int64(c.FFNHidden())
	ln := 2 * 2 * d     // ln_1 and ln_2: gain and bias
	attn := 3*d*d + d*d // c_attn (qkv) and c_proj, no bias
	ffn := 2 * d * h    // GeLU: c_fc d→4d and c_proj 4d→d
	if c.Activation == SwiGLU {
		ffn = 3 * d * h // c_fc holds W1 and W3 (d→2H), c_proj is W2 (H→d)
	}
	return ln + attn + ffn
}

// Params returns the exact parameter counts of the model c describes. It
// equals the sum of the sizes of the tensors Model.Params returns (tested).
func (c Config) Params() Counts {
	d := int64(c.Width)
	n := int64(c.Layers)*c.blockParams() + 2*d // + ln_f
	e := int64(c.Vocab)*d + int64(c.SeqLen)*d
	return Counts{NonEmbedding: n, Embedding: e, Total: n + e}
}

// FLOPsPerToken6N is Kaplan's approximation of training compute per
// token, 6·N with N the non-embedding parameters: C = 6·N·D.
func (c Config) FLOPsPerToken6N() float64 { return 6 * float64(c.Params().NonEmbedding) }

// matmulWeights counts the weights that enter a matrix multiply per
// token: every linear layer plus the tied output layer V·d (LayerNorm
// gains and biases and the embedding lookup are not multiplies).
func (c Config) matmulWeights() int64 {
	d := int64(c.Width)
	perBlock := c.blockParams() - 4*d
	return int64(c.Layers)*perBlock + int64(c.Vocab)*d
}

// FLOPsPerToken is the exact count of training FLOPs per token of the
// matrix multiplies (forward + backward = 3 × forward), counting a
// multiply-add as 2 FLOPs:
//
//	6·W + 6·L·d·(T+1)
//
// where W = matmulWeights (linear layers plus the tied V·d output layer)
// and the attention term counts q·kᵀ and p·v over the causal prefix: a
// query at position t meets t+1 keys, so the forward pass spends
// 2·2·d·(t+1) per token and layer, (T+1)/2 keys on average over a
// sequence of T, i.e. 2·L·d·(T+1) forward and 6·L·d·(T+1) in training.
// Elementwise work (LayerNorm, GeLU, softmax, AdamW) is not counted.
func (c Config) FLOPsPerToken() float64 {
	attn := 6 * float64(c.Layers) * float64(c.Width) * float64(c.SeqLen+1)
	return 6*float64(c.matmulWeights()) + attn
}
