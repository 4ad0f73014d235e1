package tensor

import (
	"fmt"
	"slices"
)

const opCrossEntropy = "CrossEntropy"

// usable checks that t can be read by op.
func usable(op string, t *Tensor, name string) error {
	switch {
	case t == nil:
		return fmt.Errorf("tensor: %s: %s is nil", op, name)
	case t.buf == nil:
		return fmt.Errorf("tensor: %s: %s %v was released (its graph was Reset or it was freed)", op, name, t.shape)
	case t.consumed != "":
		return fmt.Errorf("tensor: %s: %s %v was overwritten in place by %s", op, name, t.shape, t.consumed)
	}
	return nil
}

func usableAll(op string, named ...any) error {
	for i := 0; i < len(named); i += 2 {
		if err := usable(op, named[i+1].(*Tensor), named[i].(string)); err != nil {
			return err
		}
	}
	return nil
}

func devErr(op string, dev Device, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("tensor: %s on %s: %w", op, dev.Name(), err)
}

// MatMul returns op(a)·op(b) where op transposes the last two dimensions
// when asked. Both operands are 2-D, or both 3-D with the same batch, or a
// is 3-D (not transposed) and b is a 2-D matrix shared by every batch item.
func (g *Graph) MatMul(a, b *Tensor, transA, transB bool) (*Tensor, error) {
	const op = "MatMul"
	if err := usableAll(op, "a", a, "b", b); err != nil {
		return nil, err
	}
	if !a.DType().IsFloat() || a.DType() != b.DType() {
		return nil, fmt.Errorf("tensor: MatMul: dtypes %s and %s: want the same float dtype", a.DType(), b.DType())
	}
	ra, rb := len(a.shape), len(b.shape)
	batch := 0 // 2-D
	switch {
	case ra == 2 && rb == 2:
	case ra == 3 && rb == 3:
		if a.shape[0] != b.shape[0] {
			return nil, shapeErr(op, "batch sizes differ: a %v, b %v", a.shape, b.shape)
		}
		batch = a.shape[0]
	case ra == 3 && rb == 2 && !transA:
		// Fold the batch into the rows: one 2-D product with the shared b.
		flat := &Tensor{shape: []int{a.shape[0] * a.shape[1], a.shape[2]}, buf: a.buf, dev: a.dev, requiresGrad: a.requiresGrad, graph: a.graph}
		out, err := g.matmul(flat, b, a, 0, transA, transB)
		if err != nil {
			return nil, err
		}
		out.shape = []int{a.shape[0], a.shape[1], out.shape[1]}
		return out, nil
	default:
		return nil, shapeErr(op, "unsupported ranks: a %v (transA=%v), b %v", a.shape, transA, b.shape)
	}
	return g.matmul(a, b, a, batch, transA, transB)
}

// Linear returns x·wᵀ for x of shape [..., in] and a weight w of shape
// [out, in] (PyTorch's layout): the result has shape [..., out].
func (g *Graph) Linear(x, w *Tensor) (*Tensor, error) {
	const op = "Linear"
	if err := usableAll(op, "x", x, "w", w); err != nil {
		return nil, err
	}
	if len(w.shape) != 2 || x.shape[len(x.shape)-1] != w.shape[1] {
		return nil, shapeErr(op, "x %v and weight %v: want x [..., in] and weight [out, in]", x.shape, w.shape)
	}
	in := w.shape[1]
	rows := x.Len() / in
	flat := &Tensor{shape: []int{rows, in}, buf: x.buf, dev: x.dev, requiresGrad: x.requiresGrad, graph: x.graph}
	out, err := g.matmul(flat, w, x, 0, false, true)
	if err != nil {
		return nil, err
	}
	out.shape = append(slices.Clone(x.shape[:len(x.shape)-1]), w.shape[0])
	return out, nil
}

// dims2 returns the rows and columns of op(t) for a 2-D (or last-two-dims) view.
func dims2(shape []int, trans bool) (int, int) {
	r, c := shape[len(shape)-2], shape[len(shape)-1]
	if trans {
		return c, r
	}
	return r, c
}

// matmul multiplies a and b, 2-D (batch 0) or batched [batch, ·, ·] with
// the same batch in both. gradTarget is the tensor whose gradient receives
// dA (a itself, or the tensor a is a reshaped view of).
func (g *Graph) matmul(a, b, gradTarget *Tensor, batch int, transA, transB bool) (*Tensor, error) {
	const op = "MatMul"
	m, k := dims2(a.shape, transA)
	k2, n := dims2(b.shape, transB)
	if k != k2 {
		return nil, shapeErr(op, "inner dimensions differ: op(a) is %dx%d (a %v, transA=%v), op(b) is %dx%d (b %v, transB=%v)", m, k, a.shape, transA, k2, n, b.shape, transB)
	}
	shape := []int{m, n}
	s := MatMulShape{Batch: 1, M: m, N: n, K: k, TransA: transA, TransB: transB}
	if batch > 0 {
		shape = []int{batch, m, n}
		s.Batch, s.StrideA, s.StrideB, s.StrideC = batch, m*k, k*n, m*n
	}
	out, err := g.newOutput(op, a.DType(), shape)
	if err != nil {
		return nil, err
	}
	if err := g.dev.MatMul(out.buf, a.buf, b.buf, s); err != nil {
		return nil, devErr(op, g.dev, err)
	}
	if g.needsGrad(gradTarget, b) {
		g.record(op, out, func(*Tensor) error {
			return g.matmulBackward(out, a, b, gradTarget, s)
		})
	}
	return out, nil
}

// matmulBackward accumulates dA and dB for C = op(A)·op(B):
// d op(A) = dC·op(B)ᵀ and d op(B) = op(A)ᵀ·dC, transposed back into the
// stored layouts.
func (g *Graph) matmulBackward(c, a, b, aTarget *Tensor, s MatMulShape) error {
	dc := c.Grad.buf
	da, err := g.gradOf(aTarget)
	if err != nil {
		return err
	}
	if da != nil {
		ds := MatMulShape{Batch: s.Batch, Accumulate: true, StrideA: s.StrideC, StrideB: s.StrideB, StrideC: s.StrideA}
		var x, y Buffer
		if !s.TransA { // dA (M×K) = dC·op(B)ᵀ
			ds.M, ds.N, ds.K = s.M, s.K, s.N
			x, y, ds.TransA, ds.TransB = dc, b.buf, false, !s.TransB
		} else { // dA (K×M) = op(B)·dCᵀ
			ds.M, ds.N, ds.K = s.K, s.M, s.N
			x, y, ds.TransA, ds.TransB = b.buf, dc, s.TransB, true
			ds.StrideA, ds.StrideB = s.StrideB, s.StrideC
		}
		if err := g.dev.MatMul(da, x, y, ds); err != nil {
			return devErr("MatMul backward (dA)", g.dev, err)
		}
	}
	db, err := g.gradOf(b)
	if err != nil {
		return err
	}
	if db != nil {
		ds := MatMulShape{Batch: s.Batch, Accumulate: true, StrideC: s.StrideB}
		var x, y Buffer
		if !s.TransB { // dB (K×N) = op(A)ᵀ·dC
			ds.M, ds.N, ds.K = s.K, s.N, s.M
			x, y, ds.TransA, ds.TransB = a.buf, dc, !s.TransA, false
			ds.StrideA, ds.StrideB = s.StrideA, s.StrideC
		} else { // dB (N×K) = dCᵀ·op(A)
			ds.M, ds.N, ds.K = s.N, s.K, s.M
			x, y, ds.TransA, ds.TransB = dc, a.buf, true, s.TransA
			ds.StrideA, ds.StrideB = s.StrideC, s.StrideA
		}
		if err := g.dev.MatMul(db, x, y, ds); err != nil {
			return devErr("MatMul backward (dB)", g.dev, err)
		}
	}
	return nil
}

// Add returns a + b for tensors of the same shape (the residual connection).
func (g *Graph) Add(a, b *Tensor) (*Tensor, error) {
	const op = "Add"
	if err := usableAll(op, "a", a, "b", b); err != nil {
		return nil, err
	}
	if !slices.Equal(a.shape, b.shape) || a.DType() != b.DType() {
		return nil, shapeErr(op, "a %v %s and b %v %s differ", a.shape, a.DType(), b.shape, b.DType())
	}
	out, err := g.newOutput(op, a.DType(), a.shape)
	if err != nil {
		return nil, err
	}
	if err := g.dev.Add(out.buf, a.buf, b.buf); err != nil {
		return nil, devErr(op, g.dev, err)
	}
	if g.needsGrad(a, b) {
		g.record(op, out, func(*Tensor) error {
			for _, in := range []*Tensor{a, b} {
				d, err := g.gradOf(in)
				if err != nil {
					return err
				}
				if d != nil {
					if err := g.dev.Accumulate(d, out.Grad.buf, 1); err != nil {
						return devErr("Add backward", g.dev, err)
					}
				}
			}
			return nil
		})
	}
	return out, nil
}

// Embedding returns wte[ids] + wpe[:T] for ids of shape [B, T] (Int32),
// token table wte [V, C] and position table wpe [maxT, C], as [B, T, C].
func (g *Graph) Embedding(wte, wpe, ids *Tensor) (*Tensor, error) {
	const op = "Embedding"
	if err := usableAll(op, "wte", wte, "wpe", wpe, "ids", ids); err != nil {
		return nil, err
	}
	if ids.DType() != Int32 || len(ids.shape) != 2 {
		return nil, shapeErr(op, "ids %v %s: want [B, T] I32", ids.shape, ids.DType())
	}
	if len(wte.shape) != 2 || len(wpe.shape) != 2 || wte.shape[1] != wpe.shape[1] || wte.DType() != wpe.DType() {
		return nil, shapeErr(op, "wte %v and wpe %v: want [V, C] and [maxT, C] of one dtype", wte.shape, wpe.shape)
	}
	s := EmbeddingShape{Batch: ids.shape[0], SeqLen: ids.shape[1], Vocab: wte.shape[0], Width: wte.shape[1]}
	if s.SeqLen > wpe.shape[0] {
		return nil, shapeErr(op, "sequence length %d exceeds the %d positions of wpe %v", s.SeqLen, wpe.shape[0], wpe.shape)
	}
	out, err := g.newOutput(op, wte.DType(), []int{s.Batch, s.SeqLen, s.Width})
	if err != nil {
		return nil, err
	}
	if err := g.dev.Embedding(out.buf, wte.buf, wpe.buf, ids.buf, s); err != nil {
		return nil, devErr(op, g.dev, err)
	}
	if g.needsGrad(wte, wpe) {
		g.record(op, out, func(*Tensor) error {
			dwte, err := g.gradOf(wte)
			if err != nil {
				return err
			}
			dwpe, err := g.gradOf(wpe)
			if err != nil {
				return err
			}
			return devErr("Embedding backward", g.dev, g.dev.EmbeddingBackward(dwte, dwpe, out.Grad.buf, ids.buf, s))
		})
	}
	return out, nil
}

// LayerNorm normalises x [..., C] over its last dimension and applies gain
// w [C] and bias b [C].
func (g *Graph) LayerNorm(x, w, b *Tensor) (*Tensor, error) {
	const op = "LayerNorm"
	if err := usableAll(op, "x", x, "w", w, "b", b); err != nil {
		return nil, err
	}
	cols := x.shape[len(x.shape)-1]
	if len(w.shape) != 1 || len(b.shape) != 1 || w.shape[0] != cols || b.shape[0] != cols {
		return nil, shapeErr(op, "x %v, w %v, b %v: want w and b of shape [%d]", x.shape, w.shape, b.shape, cols)
	}
	rows := x.Len() / cols
	out, err := g.newOutput(op, x.DType(), x.shape)
	if err != nil {
		return nil, err
	}
	mean, err := g.newOutput(op, Float32, []int{rows})
	if err != nil {
		return nil, err
	}
	rstd, err := g.newOutput(op, Float32, []int{rows})
	if err != nil {
		return nil, err
	}
	if err := g.dev.LayerNorm(out.buf, mean.buf, rstd.buf, x.buf, w.buf, b.buf, rows, cols); err != nil {
		return nil, devErr(op, g.dev, err)
	}
	if g.needsGrad(x, w, b) {
		g.record(op, out, func(*Tensor) error {
			dx, err := g.gradOf(x)
			if err != nil {
				return err
			}
			dw, err := g.gradOf(w)
			if err != nil {
				return err
			}
			db, err := g.gradOf(b)
			if err != nil {
				return err
			}
			return devErr("LayerNorm backward", g.dev, g.dev.LayerNormBackward(dx, dw, db, out.Grad.buf, x.buf, w.buf, mean.buf, rstd.buf, rows, cols))
		})
	}
	return out, nil
}

// GeLU applies GPT-2's tanh-approximated GeLU elementwise.
func (g *Graph) GeLU(x *Tensor) (*Tensor, error) {
	const op = "GeLU"
	if err := usable(op, x, "x"); err != nil {
		return nil, err
	}
	out, err := g.newOutput(op, x.DType(), x.shape)
	if err != nil {
		return nil, err
	}
	if err := g.dev.GeLU(out.buf, x.buf); err != nil {
		return nil, devErr(op, g.dev, err)
	}
	if g.needsGrad(x) {
		g.record(op, out, func(*Tensor) error {
			dx, err := g.gradOf(x)
			if err != nil {
				return err
			}
			return devErr("GeLU backward", g.dev, g.dev.GeLUBackward(dx, x.buf, out.Grad.buf))
		})
	}
	return out, nil
}

// SwiGLU returns SiLU(gate)·up for x [..., 2H] whose last dimension holds
// the gate half then the up half; the result is [..., H].
func (g *Graph) SwiGLU(x *Tensor) (*Tensor, error) {
	const op = "SwiGLU"
	if err := usable(op, x, "x"); err != nil {
		return nil, err
	}
	last := x.shape[len(x.shape)-1]
	if last%2 != 0 {
		return nil, shapeErr(op, "x %v: last dimension must be even (gate and up halves)", x.shape)
	}
	hidden := last / 2
	rows := x.Len() / last
	shape := append(slices.Clone(x.shape[:len(x.shape)-1]), hidden)
	out, err := g.newOutput(op, x.DType(), shape)
	if err != nil {
		return nil, err
	}
	if err := g.dev.SwiGLU(out.buf, x.buf, rows, hidden); err != nil {
		return nil, devErr(op, g.dev, err)
	}
	if g.needsGrad(x) {
		g.record(op, out, func(*Tensor) error {
			dx, err := g.gradOf(x)
			if err != nil {
				return err
			}
			return devErr("SwiGLU backward", g.dev, g.dev.SwiGLUBackward(dx, x.buf, out.Grad.buf, rows, hidden))
		})
	}
	return out, nil
}

// Attention applies fused causal multi-head self-attention to qkv
// [B, T, 3C] (see AttentionShape for the layout) with the given number of
// heads, returning [B, T, C].
func (g *Graph) Attention(qkv *Tensor, heads int) (*Tensor, error) {
	const op = "Attention"
	if err := usable(op, qkv, "qkv"); err != nil {
		return nil, err
	}
	if len(qkv.shape) != 3 || qkv.shape[2]%3 != 0 || heads <= 0 || (qkv.shape[2]/3)%heads != 0 {
		return nil, shapeErr(op, "qkv %v with %d heads: want [B, T, 3C] with C divisible by heads", qkv.shape, heads)
	}
	c := qkv.shape[2] / 3
	s := AttentionShape{Batch: qkv.shape[0], SeqLen: qkv.shape[1], Heads: heads, HeadDim: c / heads}
	out, err := g.newOutput(op, qkv.DType(), []int{s.Batch, s.SeqLen, c})
	if err != nil {
		return nil, err
	}
	lse, err := g.newOutput(op, Float32, []int{s.Batch, s.Heads, s.SeqLen})
	if err != nil {
		return nil, err
	}
	if err := g.dev.Attention(out.buf, lse.buf, qkv.buf, s); err != nil {
		return nil, devErr(op, g.dev, err)
	}
	if g.needsGrad(qkv) {
		g.record(op, out, func(*Tensor) error {
			dqkv, err := g.gradOf(qkv)
			if err != nil {
				return err
			}
			return devErr("Attention backward", g.dev, g.dev.AttentionBackward(dqkv, out.Grad.buf, qkv.buf, out.buf, lse.buf, s))
		})
	}
	return out, nil
}

// CrossEntropy returns the mean negative log-likelihood of targets (Int32,
// one per row) under softmax(logits) for logits [..., V], as a one-element
// tensor. The loss is scaled by gradScale in the backward pass only (use
// 1/steps for gradient accumulation).
//
// When gradients are recorded, the device writes d(loss)/d(logits) over the
// logits in the same pass (the fused classifier): logits produced by this
// graph can no longer be read afterwards, and the returned loss must be the
// one passed to Backward.
func (g *Graph) CrossEntropy(logits, targets *Tensor, gradScale float32) (*Tensor, error) {
	const op = opCrossEntropy
	if err := usableAll(op, "logits", logits, "targets", targets); err != nil {
		return nil, err
	}
	vocab := logits.shape[len(logits.shape)-1]
	rows := logits.Len() / vocab
	if targets.DType() != Int32 || targets.Len() != rows {
		return nil, shapeErr(op, "logits %v and targets %v %s: want one I32 target per row (%d)", logits.shape, targets.shape, targets.DType(), rows)
	}
	loss, err := g.newOutput(op, Float32, []int{1})
	if err != nil {
		return nil, err
	}
	withGrad := g.needsGrad(logits)
	work := logits
	if withGrad && logits.graph != g {
		// Never overwrite a tensor the graph does not own: work on a copy.
		if work, err = g.newOutput(op, logits.DType(), logits.shape); err != nil {
			return nil, err
		}
		if err := g.dev.Copy(work.buf, logits.buf); err != nil {
			return nil, devErr(op, g.dev, err)
		}
	}
	if err := g.dev.CrossEntropy(loss.buf, work.buf, targets.buf, rows, vocab, gradScale, withGrad); err != nil {
		return nil, devErr(op, g.dev, err)
	}
	if !withGrad {
		return loss, nil
	}
	work.consumed = op
	g.record(op, loss, func(root *Tensor) error {
		if root != loss {
			return fmt.Errorf("its loss must be the tensor passed to Backward")
		}
		if logits.Grad == nil && work == logits {
			// The gradient already sits in the logits' buffer.
			logits.Grad = &Tensor{shape: logits.shape, buf: logits.buf, dev: logits.dev, graph: g}
			return nil
		}
		d, err := g.gradOf(logits)
		if err != nil {
			return err
		}
		return devErr("CrossEntropy backward", g.dev, g.dev.Accumulate(d, work.buf, 1))
	})
	return loss, nil
}
