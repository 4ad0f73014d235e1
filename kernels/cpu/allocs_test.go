package cpu_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// TestHotOpsAllocateLittle bounds the Go heap allocations of one op call at
// a training-like size: scratch comes from pools, so what is left is the
// closure and task of each parallel loop, a constant per call, never per
// element or per block.
func TestHotOpsAllocateLittle(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector (sync.Pool drops items)")
	}
	d := cpu.New()
	buf := func(n int) tensor.Buffer {
		b, err := d.Alloc(tensor.Float32, n)
		require.NoError(t, err)
		require.NoError(t, d.Fill(b, 0.01))
		return b
	}
	s := tensor.AttentionShape{Batch: 2, SeqLen: 130, Heads: 2, HeadDim: 16}
	c, n := s.Heads*s.HeadDim, s.Batch*s.SeqLen
	qkv, out, lse, dout, dqkv := buf(n*3*c), buf(n*c), buf(s.Batch*s.Heads*s.SeqLen), buf(n*c), buf(n*3*c)
	x, w, b, mean, rstd := buf(n*c), buf(c), buf(c), buf(n), buf(n)
	ids, err := d.Alloc(tensor.Int32, n)
	require.NoError(t, err)
	require.NoError(t, d.Fill(ids, 1))
	adam := tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, Step: 1, GradScale: 1}
	big := buf(100_000)
	ops := map[string]func() error{
		"Attention":         func() error { return d.Attention(out, lse, qkv, s) },
		"AttentionBackward": func() error { return d.AttentionBackward(dqkv, dout, qkv, out, lse, s) },
		"LayerNorm":         func() error { return d.LayerNorm(out, mean, rstd, x, w, b, n, c) },
		"LayerNormBackward": func() error { return d.LayerNormBackward(out, w, b, dout, x, w, mean, rstd, n, c) },
		"MatMul":            func() error { return d.MatMul(out, x, w, tensor.MatMulShape{Batch: 1, M: n * c, N: 1, K: 1}) },
		"GeLU":              func() error { return d.GeLU(big, big) },
		"AdamW":             func() error { return d.AdamW(adam, big, big, big, big, nil) },
		"CrossEntropy":      func() error { return d.CrossEntropy(buf(1), x, ids, n, c, 1, true) },
		"Embedding": func() error {
			return d.Embedding(out, x, x, ids, tensor.EmbeddingShape{Batch: s.Batch, SeqLen: s.SeqLen, Vocab: n, Width: c})
		},
	}
	for name, op := range ops {
		require.NoError(t, op(), name)
		allocs := testing.AllocsPerRun(5, func() { _ = op() })
		assert.LessOrEqual(t, allocs, 12.0, "%s allocates %v times per call", name, allocs)
		t.Logf("%s: %v allocations per call", name, allocs)
	}
}
