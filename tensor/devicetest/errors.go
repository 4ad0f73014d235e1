package devicetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
)

// errors checks that bad arguments come back as errors, never as panics
// from inside a loop, and that an out-of-range id or target is named.
func (s *suite) errors(t *testing.T) {
	e := s.env(t)
	f := func(n int) tensor.Buffer { return e.alloc(tensor.Float32, n) }
	i32 := func(v ...int32) tensor.Buffer { return e.ints(v) }
	dev := s.dev
	emb := tensor.EmbeddingShape{Batch: 1, SeqLen: 2, Vocab: 4, Width: 3}
	att := tensor.AttentionShape{Batch: 1, SeqLen: 4, Heads: 2, HeadDim: 2}
	mm := tensor.MatMulShape{Batch: 1, M: 2, N: 3, K: 4}
	adam := tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, Step: 1, GradScale: 1}
	cases := []struct {
		name string
		call func() error
		want string // a substring the error must contain, when set
	}{
		{"Write length", func() error { return dev.Write(f(3), make([]float32, 4)) }, ""},
		{"Read length", func() error { return dev.Read(make([]float32, 2), f(3)) }, ""},
		{"WriteInt32 into F32", func() error { return dev.WriteInt32(f(2), []int32{1, 2}) }, ""},
		{"Copy lengths", func() error { return dev.Copy(f(3), f(4)) }, ""},
		{"Add lengths", func() error { return dev.Add(f(3), f(3), f(4)) }, ""},
		{"Accumulate lengths", func() error { return dev.Accumulate(f(5), f(4), 1) }, ""},
		{"MatMul short a", func() error { return dev.MatMul(f(6), f(7), f(12), mm) }, ""},
		{"MatMul short c", func() error { return dev.MatMul(f(5), f(8), f(12), mm) }, ""},
		{"MatMul batch strides", func() error {
			b := mm
			b.Batch, b.StrideA, b.StrideB, b.StrideC = 2, 8, 12, 6
			return dev.MatMul(f(12), f(8), f(24), b)
		}, ""},
		{"MatMul zero dim", func() error { b := mm; b.K = 0; return dev.MatMul(f(6), f(8), f(12), b) }, ""},
		{"MatMul int operand", func() error { return dev.MatMul(f(6), i32(make([]int32, 8)...), f(12), mm) }, ""},
		{"Embedding id out of range", func() error { return dev.Embedding(f(6), f(12), f(6), i32(1, 7), emb) }, "7"},
		{"Embedding negative id", func() error { return dev.Embedding(f(6), f(12), f(6), i32(-3, 1), emb) }, "-3"},
		{"Embedding short wpe", func() error { return dev.Embedding(f(6), f(12), f(3), i32(1, 2), emb) }, ""},
		{"EmbeddingBackward id out of range", func() error { return dev.EmbeddingBackward(f(12), f(6), f(6), i32(4, 0), emb) }, "4"},
		{"LayerNorm short w", func() error { return dev.LayerNorm(f(6), f(2), f(2), f(6), f(2), f(3), 2, 3) }, ""},
		{"LayerNorm short stats", func() error { return dev.LayerNorm(f(6), f(1), f(2), f(6), f(3), f(3), 2, 3) }, ""},
		{"LayerNormBackward short dx", func() error { return dev.LayerNormBackward(f(5), f(3), f(3), f(6), f(6), f(3), f(2), f(2), 2, 3) }, ""},
		{"GeLU lengths", func() error { return dev.GeLU(f(3), f(4)) }, ""},
		{"GeLUBackward lengths", func() error { return dev.GeLUBackward(f(4), f(4), f(3)) }, ""},
		{"SwiGLU odd x", func() error { return dev.SwiGLU(f(4), f(7), 2, 2) }, ""},
		{"SwiGLUBackward short dx", func() error { return dev.SwiGLUBackward(f(7), f(8), f(4), 2, 2) }, ""},
		{"Attention short qkv", func() error { return dev.Attention(f(16), f(8), f(47), att) }, ""},
		{"Attention short lse", func() error { return dev.Attention(f(16), f(7), f(48), att) }, ""},
		{"AttentionBackward short dout", func() error { return dev.AttentionBackward(f(48), f(15), f(48), f(16), f(8), att) }, ""},
		{"Attention zero heads", func() error { a := att; a.Heads = 0; return dev.Attention(f(16), f(8), f(48), a) }, ""},
		{"CrossEntropy target out of range", func() error { return dev.CrossEntropy(f(1), f(6), i32(1, 9), 2, 3, 1, true) }, "9"},
		{"CrossEntropy short targets", func() error { return dev.CrossEntropy(f(1), f(6), i32(1), 2, 3, 1, true) }, ""},
		{"CrossEntropy loss not scalar", func() error { return dev.CrossEntropy(f(2), f(6), i32(1, 0), 2, 3, 1, false) }, ""},
		{"AdamW lengths", func() error { return dev.AdamW(adam, f(4), f(4), f(3), f(4), nil) }, ""},
		{"AdamW step 0", func() error { a := adam; a.Step = 0; return dev.AdamW(a, f(4), f(4), f(4), f(4), nil) }, ""},
		{"SumSquares int buffer", func() error { _, err := dev.SumSquares([]tensor.Buffer{f(2), i32(1)}); return err }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panicked: %v", r)
						t.Errorf("%s panicked instead of returning an error: %v", c.name, r)
					}
				}()
				return c.call()
			}()
			if err == nil {
				t.Fatalf("%s: no error", c.name)
			}
			if c.want != "" && !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %q does not name %q", c.name, err, c.want)
			}
		})
	}
}
