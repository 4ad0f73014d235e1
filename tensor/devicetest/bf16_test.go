package devicetest_test

import (
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
	"github.com/empirical-scaling/harness/tensor/devicetest"
)

// bf16Device is the CPU device with BF16 activations: each compute op
// widens its BF16 buffers to float32, runs the CPU kernel and rounds its
// outputs back. It exists to exercise the suite's BF16 path (input
// rounding, output rounding, the wider bounds) the way a GPU backend will.
type bf16Device struct {
	*cpu.Device
}

// wide returns a float32 copy of a BF16 buffer (b itself otherwise) and a
// function that writes the copy back (when out) and frees it.
func (d bf16Device) wide(b tensor.Buffer, out bool) (tensor.Buffer, func() error) {
	if b == nil || b.DType() != tensor.BFloat16 {
		return b, func() error { return nil }
	}
	w, err := d.Alloc(tensor.Float32, b.Len())
	if err != nil {
		return b, func() error { return err }
	}
	if err := d.Copy(w, b); err != nil {
		return b, func() error { return err }
	}
	return w, func() error {
		defer d.Free(w)
		if out {
			return d.Copy(b, w)
		}
		return nil
	}
}

// run widens outs (written back) and ins, then calls fn on the float32 views.
func (d bf16Device) run(outs, ins []tensor.Buffer, fn func(outs, ins []tensor.Buffer) error) error {
	var done []func() error
	wo, wi := make([]tensor.Buffer, len(outs)), make([]tensor.Buffer, len(ins))
	for i, b := range outs {
		var f func() error
		wo[i], f = d.wide(b, true)
		done = append(done, f)
	}
	for i, b := range ins {
		var f func() error
		wi[i], f = d.wide(b, false)
		done = append(done, f)
	}
	err := fn(wo, wi)
	for _, f := range done {
		if e := f(); err == nil {
			err = e
		}
	}
	return err
}

func (d bf16Device) Add(dst, a, b tensor.Buffer) error {
	return d.run([]tensor.Buffer{dst}, []tensor.Buffer{a, b}, func(o, i []tensor.Buffer) error { return d.Device.Add(o[0], i[0], i[1]) })
}

func (d bf16Device) Accumulate(dst, src tensor.Buffer, alpha float32) error {
	return d.run([]tensor.Buffer{dst}, []tensor.Buffer{src}, func(o, i []tensor.Buffer) error { return d.Device.Accumulate(o[0], i[0], alpha) })
}

func (d bf16Device) MatMul(c, a, b tensor.Buffer, s tensor.MatMulShape) error {
	return d.run([]tensor.Buffer{c}, []tensor.Buffer{a, b}, func(o, i []tensor.Buffer) error { return d.Device.MatMul(o[0], i[0], i[1], s) })
}

func (d bf16Device) Embedding(out, wte, wpe, ids tensor.Buffer, s tensor.EmbeddingShape) error {
	return d.run([]tensor.Buffer{out}, []tensor.Buffer{wte, wpe}, func(o, i []tensor.Buffer) error { return d.Device.Embedding(o[0], i[0], i[1], ids, s) })
}

func (d bf16Device) LayerNorm(out, mean, rstd, x, w, b tensor.Buffer, rows, cols int) error {
	return d.run([]tensor.Buffer{out}, []tensor.Buffer{x, w, b}, func(o, i []tensor.Buffer) error {
		return d.Device.LayerNorm(o[0], mean, rstd, i[0], i[1], i[2], rows, cols)
	})
}

func (d bf16Device) GeLU(out, x tensor.Buffer) error {
	return d.run([]tensor.Buffer{out}, []tensor.Buffer{x}, func(o, i []tensor.Buffer) error { return d.Device.GeLU(o[0], i[0]) })
}

func (d bf16Device) SwiGLU(out, x tensor.Buffer, rows, hidden int) error {
	return d.run([]tensor.Buffer{out}, []tensor.Buffer{x}, func(o, i []tensor.Buffer) error { return d.Device.SwiGLU(o[0], i[0], rows, hidden) })
}

func (d bf16Device) Attention(out, lse, qkv tensor.Buffer, s tensor.AttentionShape) error {
	return d.run([]tensor.Buffer{out}, []tensor.Buffer{qkv}, func(o, i []tensor.Buffer) error { return d.Device.Attention(o[0], lse, i[0], s) })
}

func (d bf16Device) CrossEntropy(loss, logits, targets tensor.Buffer, rows, vocab int, gradScale float32, writeGrad bool) error {
	return d.run([]tensor.Buffer{logits}, nil, func(o, _ []tensor.Buffer) error {
		return d.Device.CrossEntropy(loss, o[0], targets, rows, vocab, gradScale, writeGrad)
	})
}

// TestSuiteBF16Path runs the suite with BF16 activations on the widening
// CPU device: the BF16 cases must pass with their bounds.
func TestSuiteBF16Path(t *testing.T) {
	devicetest.Run(t, bf16Device{cpu.New()}, devicetest.Options{DTypes: []tensor.DType{tensor.BFloat16}})
}
