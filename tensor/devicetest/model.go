package devicetest

import (
	"fmt"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// toyConfig is the two-block toy transformer of the end-to-end gradient check.
type toyConfig struct {
	vocab, width, heads, seqLen, batch, blocks, hidden int
	swiglu                                             bool
}

// toyParam is one parameter: its name, shape and initial values.
type toyParam struct {
	name  string
	shape []int
	init  []float32
}

// toyParams lists the parameters in the order both forwards use them.
func (e *env) toyParams(c toyConfig) []toyParam {
	var ps []toyParam
	add := func(name string, vals []float32, shape ...int) {
		ps = append(ps, toyParam{name, shape, vals})
	}
	add("wte", e.randn(c.vocab*c.width, 0.5), c.vocab, c.width)
	add("wpe", e.randn(c.seqLen*c.width, 0.3), c.seqLen, c.width)
	up := c.hidden
	if c.swiglu {
		up = 2 * c.hidden
	}
	for l := range c.blocks {
		add(fmt.Sprintf("h%d.ln1.w", l), e.uniform(c.width, 0.7, 1.3), c.width)
		add(fmt.Sprintf("h%d.ln1.b", l), e.randn(c.width, 0.1), c.width)
		add(fmt.Sprintf("h%d.attn.qkv", l), e.randn(3*c.width*c.width, 0.4), 3*c.width, c.width)
		add(fmt.Sprintf("h%d.attn.proj", l), e.randn(c.width*c.width, 0.3), c.width, c.width)
		add(fmt.Sprintf("h%d.ln2.w", l), e.uniform(c.width, 0.7, 1.3), c.width)
		add(fmt.Sprintf("h%d.ln2.b", l), e.randn(c.width, 0.1), c.width)
		add(fmt.Sprintf("h%d.mlp.up", l), e.randn(up*c.width, 0.4), up, c.width)
		add(fmt.Sprintf("h%d.mlp.down", l), e.randn(c.width*c.hidden, 0.3), c.width, c.hidden)
	}
	add("lnf.w", e.uniform(c.width, 0.7, 1.3), c.width)
	add("lnf.b", e.randn(c.width, 0.1), c.width)
	return ps
}

// toyGraph runs the model on the device with tensor.Graph ops and returns the loss.
func toyGraph(g *tensor.Graph, c toyConfig, p []*tensor.Tensor, ids, targets *tensor.Tensor) (*tensor.Tensor, error) {
	x, err := g.Embedding(p[0], p[1], ids)
	if err != nil {
		return nil, err
	}
	i := 2
	for range c.blocks {
		h, err := g.LayerNorm(x, p[i], p[i+1])
		if err != nil {
			return nil, err
		}
		qkv, err := g.Linear(h, p[i+2])
		if err != nil {
			return nil, err
		}
		a, err := g.Attention(qkv, c.heads)
		if err != nil {
			return nil, err
		}
		proj, err := g.Linear(a, p[i+3])
		if err != nil {
			return nil, err
		}
		if x, err = g.Add(x, proj); err != nil {
			return nil, err
		}
		h, err = g.LayerNorm(x, p[i+4], p[i+5])
		if err != nil {
			return nil, err
		}
		u, err := g.Linear(h, p[i+6])
		if err != nil {
			return nil, err
		}
		if c.swiglu {
			u, err = g.SwiGLU(u)
		} else {
			u, err = g.GeLU(u)
		}
		if err != nil {
			return nil, err
		}
		f, err := g.Linear(u, p[i+7])
		if err != nil {
			return nil, err
		}
		if x, err = g.Add(x, f); err != nil {
			return nil, err
		}
		i += 8
	}
	x, err = g.LayerNorm(x, p[i], p[i+1])
	if err != nil {
		return nil, err
	}
	logits, err := g.Linear(x, p[0]) // tied with the token embedding
	if err != nil {
		return nil, err
	}
	return g.CrossEntropy(logits, targets, 1)
}

// toyRef is the same model composed from the float64 reference ops.
func toyRef(c toyConfig, p [][]float64, ids, targets []int32) float64 {
	rows := c.batch * c.seqLen
	linear := func(x, w []float64, in, out int) []float64 {
		return refMatMul(x, w, nil, tensor.MatMulShape{Batch: 1, M: rows, N: out, K: in, TransB: true}, rows*out)
	}
	addv := func(a, b []float64) []float64 {
		out := make([]float64, len(a))
		for i := range a {
			out[i] = a[i] + b[i]
		}
		return out
	}
	x := refEmbedding(p[0], p[1], ids, tensor.EmbeddingShape{Batch: c.batch, SeqLen: c.seqLen, Vocab: c.vocab, Width: c.width})
	i := 2
	for range c.blocks {
		h, _, _ := refLayerNorm(x, p[i], p[i+1], rows, c.width)
		qkv := linear(h, p[i+2], c.width, 3*c.width)
		a, _ := refAttention(qkv, tensor.AttentionShape{Batch: c.batch, SeqLen: c.seqLen, Heads: c.heads, HeadDim: c.width / c.heads})
		x = addv(x, linear(a, p[i+3], c.width, c.width))
		h, _, _ = refLayerNorm(x, p[i+4], p[i+5], rows, c.width)
		var u []float64
		if c.swiglu {
			u = refSwiGLU(linear(h, p[i+6], c.width, 2*c.hidden), rows, c.hidden)
		} else {
			u = refGeLU(linear(h, p[i+6], c.width, c.hidden))
		}
		x = addv(x, linear(u, p[i+7], c.hidden, c.width))
		i += 8
	}
	x, _, _ = refLayerNorm(x, p[i], p[i+1], rows, c.width)
	loss, _ := refCrossEntropy(linear(x, p[0], c.width, c.vocab), targets, rows, c.vocab, 1)
	return loss
}

// toyModel checks every parameter gradient of the toy transformer, built
// from Graph ops and run by Graph.Backward, against central differences of
// the float64 reference model.
func (s *suite) toyModel(t *testing.T) {
	for _, c := range []toyConfig{
		{vocab: 13, width: 8, heads: 2, seqLen: 6, batch: 2, blocks: 2, hidden: 32},
		{vocab: 13, width: 8, heads: 2, seqLen: 6, batch: 2, blocks: 2, hidden: 12, swiglu: true},
	} {
		name := "GeLU"
		if c.swiglu {
			name = "SwiGLU"
		}
		t.Run(name, func(t *testing.T) {
			e := s.env(t)
			params := e.toyParams(c)
			leaves := make([]*tensor.Tensor, len(params))
			ref := make([][]float64, len(params))
			which := make([]int, len(params))
			for i, p := range params {
				leaves[i] = e.leaf(p.init, p.shape...)
				ref[i], which[i] = f64(p.init), i
			}
			idv := e.randInts(c.batch*c.seqLen, c.vocab)
			tv := e.randInts(c.batch*c.seqLen, c.vocab)
			ids, err := tensor.FromInt32(s.dev, idv, c.batch, c.seqLen)
			e.must("FromInt32 ids", err)
			t.Cleanup(ids.Free)
			targets, err := tensor.FromInt32(s.dev, tv, c.batch, c.seqLen)
			e.must("FromInt32 targets", err)
			t.Cleanup(targets.Free)

			g := tensor.NewGraph(s.dev)
			defer g.Reset()
			loss, err := toyGraph(g, c, leaves, ids, targets)
			e.must("toy forward", err)
			lv, err := loss.Item()
			e.must("read loss", err)
			e.expect("loss", []float64{float64(lv)}, []float64{toyRef(c, ref, idv, tv)}, s.tol("crossentropy", tensor.Float32)*10)
			e.must("Backward", g.Backward(loss))

			want := numGrad(ref, which, []float64{1}, func(x [][]float64) []float64 { return []float64{toyRef(c, x, idv, tv)} })
			for i, p := range params {
				e.expect("d"+p.name, e.grad(leaves[i]), want[i], s.tol("model", tensor.Float32))
			}
		})
	}
}
