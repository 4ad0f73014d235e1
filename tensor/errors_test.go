package tensor_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

func TestBadInputReturnsErrors(t *testing.T) {
	dev := cpu.New()
	f := func(shape ...int) *tensor.Tensor {
		n := 1
		for _, s := range shape {
			n *= s
		}
		x, err := tensor.FromFloat32(dev, make([]float32, n), shape...)
		require.NoError(t, err)
		x.SetRequiresGrad(true)
		return x
	}
	ints := func(vals []int32, shape ...int) *tensor.Tensor {
		x, err := tensor.FromInt32(dev, vals, shape...)
		require.NoError(t, err)
		return x
	}
	g := tensor.NewGraph(dev)
	released := func() *tensor.Tensor {
		g2 := tensor.NewGraph(dev)
		x, err := g2.Add(f(2), f(2))
		require.NoError(t, err)
		g2.Reset()
		return x
	}()
	bf := func() *tensor.Tensor {
		x, err := tensor.FromFloat32As(dev, tensor.BFloat16, []float32{1, 2, 3, 4}, 2, 2)
		require.NoError(t, err)
		return x
	}()
	scalar := func() *tensor.Tensor {
		x, err := g.Add(f(2), f(2))
		require.NoError(t, err)
		return x
	}()
	cases := []struct {
		name  string
		call  func() error
		want  []string // substrings the error must contain: the op and the shapes
		shape bool     // wraps tensor.ErrShape
	}{
		{"MatMul inner", func() error { _, err := g.MatMul(f(2, 3), f(4, 5), false, false); return err }, []string{"MatMul", "[2 3]", "[4 5]"}, true},
		{"MatMul transposed inner", func() error { _, err := g.MatMul(f(2, 3), f(2, 3), false, false); return err }, []string{"MatMul", "[2 3]"}, true},
		{"MatMul batch", func() error { _, err := g.MatMul(f(2, 3, 4), f(3, 4, 5), false, false); return err }, []string{"MatMul", "[2 3 4]", "[3 4 5]"}, true},
		{"MatMul ranks", func() error { _, err := g.MatMul(f(3), f(3, 2), false, false); return err }, []string{"MatMul", "[3]", "[3 2]"}, true},
		{"MatMul 3-D a transposed with 2-D b", func() error { _, err := g.MatMul(f(2, 3, 4), f(3, 4), true, false); return err }, []string{"MatMul", "[2 3 4]"}, true},
		{"MatMul dtypes", func() error { _, err := g.MatMul(bf, f(2, 2), false, false); return err }, []string{"MatMul", "BF16", "F32"}, false},
		{"Linear weight", func() error { _, err := g.Linear(f(4, 3), f(5, 4)); return err }, []string{"Linear", "[4 3]", "[5 4]"}, true},
		{"Add shapes", func() error { _, err := g.Add(f(2, 3), f(3, 2)); return err }, []string{"Add", "[2 3]", "[3 2]"}, true},
		{"Embedding ids dtype", func() error { _, err := g.Embedding(f(5, 4), f(3, 4), f(1, 3)); return err }, []string{"Embedding", "[1 3]"}, true},
		{"Embedding widths", func() error { _, err := g.Embedding(f(5, 4), f(3, 5), ints([]int32{0}, 1, 1)); return err }, []string{"Embedding", "[5 4]", "[3 5]"}, true},
		{"Embedding too long", func() error { _, err := g.Embedding(f(5, 4), f(3, 4), ints(make([]int32, 8), 2, 4)); return err }, []string{"Embedding", "4", "[3 4]"}, true},
		{"Embedding id out of range", func() error { _, err := g.Embedding(f(5, 4), f(3, 4), ints([]int32{1, 9}, 1, 2)); return err }, []string{"Embedding", "9"}, false},
		{"LayerNorm gain", func() error { _, err := g.LayerNorm(f(2, 3), f(4), f(3)); return err }, []string{"LayerNorm", "[2 3]", "[4]"}, true},
		{"SwiGLU odd", func() error { _, err := g.SwiGLU(f(2, 5)); return err }, []string{"SwiGLU", "[2 5]"}, true},
		{"Attention heads", func() error { _, err := g.Attention(f(1, 2, 12), 3); return err }, []string{"Attention", "[1 2 12]", "3 heads"}, true},
		{"Attention rank", func() error { _, err := g.Attention(f(2, 12), 2); return err }, []string{"Attention", "[2 12]"}, true},
		{"Attention zero heads", func() error { _, err := g.Attention(f(1, 2, 12), 0); return err }, []string{"Attention", "0 heads"}, true},
		{"CrossEntropy targets", func() error { _, err := g.CrossEntropy(f(3, 5), ints([]int32{0, 1}, 2), 1); return err }, []string{"CrossEntropy", "[3 5]", "[2]"}, true},
		{"CrossEntropy float targets", func() error { _, err := g.CrossEntropy(f(3, 5), f(3), 1); return err }, []string{"CrossEntropy", "[3 5]", "F32"}, true},
		{"CrossEntropy target out of range", func() error { _, err := g.CrossEntropy(f(2, 5), ints([]int32{0, 5}, 2), 1); return err }, []string{"CrossEntropy", "5"}, false},
		{"released tensor", func() error { _, err := g.GeLU(released); return err }, []string{"GeLU", "released", "[2]"}, false},
		{"nil tensor", func() error { _, err := g.Add(nil, f(2)); return err }, []string{"Add", "nil"}, false},
		{"Backward non-scalar", func() error { return g.Backward(scalar) }, []string{"Backward", "[2]"}, true},
		{"Backward leaf", func() error { return f(1).Backward() }, []string{"Backward", "[1]"}, false},
		{"New zero dim", func() error { _, err := tensor.New(dev, tensor.Float32, 2, 0); return err }, []string{"New", "[2 0]"}, true},
		{"FromFloat32 length", func() error { _, err := tensor.FromFloat32(dev, []float32{1, 2, 3}, 2, 2); return err }, []string{"FromFloat32", "3", "[2 2]"}, true},
		{"FromFloat32As int", func() error { _, err := tensor.FromFloat32As(dev, tensor.Int32, []float32{1}, 1); return err }, []string{"FromFloat32As", "I32"}, false},
		{"Item of many", func() error { _, err := f(2, 2).Item(); return err }, []string{"Item", "[2 2]"}, true},
		{"CopyFrom length", func() error { return f(2, 2).CopyFrom([]float32{1}) }, []string{"CopyFrom", "[2 2]"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = c.call() })
			require.Error(t, err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
			if c.shape {
				assert.True(t, errors.Is(err, tensor.ErrShape), "%v should wrap ErrShape", err)
			}
		})
	}
}
