package experiment

import (
	"time"

	"github.com/empirical-scaling/harness/tensor"
)

// opTimer wraps a device and adds up the wall time of each kind of op, so
// the step benchmark can say how much of a step is matrix multiplication
// (what the GEMM peak measures) and how much is everything else.
type opTimer struct {
	tensor.Device
	byOp map[string]time.Duration
}

func newOpTimer(d tensor.Device) *opTimer {
	return &opTimer{Device: d, byOp: map[string]time.Duration{}}
}

func (d *opTimer) since(op string, t time.Time) { d.byOp[op] += time.Since(t) }

func (d *opTimer) MatMul(c, a, b tensor.Buffer, s tensor.MatMulShape) error {
	defer d.since("MatMul", time.Now())
	return d.Device.MatMul(c, a, b, s)
}

func (d *opTimer) GeLU(out, x tensor.Buffer) error {
	defer d.since("GeLU", time.Now())
	return d.Device.GeLU(out, x)
}

func (d *opTimer) GeLUBackward(dx, x, dout tensor.Buffer) error {
	defer d.since("GeLU", time.Now())
	return d.Device.GeLUBackward(dx, x, dout)
}

func (d *opTimer) SwiGLU(out, x tensor.Buffer, rows, hidden int) error {
	defer d.since("SwiGLU", time.Now())
	return d.Device.SwiGLU(out, x, rows, hidden)
}

func (d *opTimer) SwiGLUBackward(dx, x, dout tensor.Buffer, rows, hidden int) error {
	defer d.since("SwiGLU", time.Now())
	return d.Device.SwiGLUBackward(dx, x, dout, rows, hidden)
}

func (d *opTimer) Attention(out, lse, qkv tensor.Buffer, s tensor.AttentionShape) error {
	defer d.since("Attention", time.Now())
	return d.Device.Attention(out, lse, qkv, s)
}

func (d *opTimer) AttentionBackward(dqkv, dout, qkv, out, lse tensor.Buffer, s tensor.AttentionShape) error {
	defer d.since("Attention", time.Now())
	return d.Device.AttentionBackward(dqkv, dout, qkv, out, lse, s)
}

func (d *opTimer) CrossEntropy(loss, logits, targets tensor.Buffer, rows, vocab int, gradScale float32, writeGrad bool) error {
	defer d.since("CrossEntropy", time.Now())
	return d.Device.CrossEntropy(loss, logits, targets, rows, vocab, gradScale, writeGrad)
}

func (d *opTimer) LayerNorm(out, mean, rstd, x, w, b tensor.Buffer, rows, cols int) error {
	defer d.since("LayerNorm", time.Now())
	return d.Device.LayerNorm(out, mean, rstd, x, w, b, rows, cols)
}

func (d *opTimer) LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd tensor.Buffer, rows, cols int) error {
	defer d.since("LayerNorm", time.Now())
	return d.Device.LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd, rows, cols)
}

func (d *opTimer) Fill(dst tensor.Buffer, v float32) error {
	defer d.since("Fill", time.Now())
	return d.Device.Fill(dst, v)
}

func (d *opTimer) AdamW(p tensor.AdamWParams, param, grad, m, v, master tensor.Buffer) error {
	defer d.since("AdamW", time.Now())
	return d.Device.AdamW(p, param, grad, m, v, master)
}
