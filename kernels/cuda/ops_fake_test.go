package cuda

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeBuf allocates and writes a buffer on the fake device.
func fakeBuf(t *testing.T, d *Device, dt tensor.DType, n int) tensor.Buffer {
	t.Helper()
	b, err := d.Alloc(dt, n)
	require.NoError(t, err)
	if dt == tensor.Int32 {
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(i % 7)
		}
		require.NoError(t, d.WriteInt32(b, v))
		return b
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = rand.Float32()
	}
	require.NoError(t, d.Write(b, v))
	return b
}

// Every Device op, in both float dtypes, on the fake runtime: each launch
// must match its kernel's PTX signature, stay inside the launch limits and
// pass only pointers into live allocations; together the ops must launch
// every kernel the package lists.
func TestEveryOpLaunchesValidKernels(t *testing.T) {
	d, f := newFakeDevice(t)
	const rows, cols, hidden, vocab = 37, 24, 40, 11
	for _, dt := range []tensor.DType{tensor.Float32, tensor.BFloat16} {
		other := tensor.BFloat16
		if dt == tensor.BFloat16 {
			other = tensor.Float32
		}
		buf := func(n int) tensor.Buffer { return fakeBuf(t, d, dt, n) }
		f32 := func(n int) tensor.Buffer { return fakeBuf(t, d, tensor.Float32, n) }
		ids := func(n int) tensor.Buffer { return fakeBuf(t, d, tensor.Int32, n) }
		n := rows * cols
		emb := tensor.EmbeddingShape{Batch: 3, SeqLen: 5, Vocab: vocab, Width: cols}
		att := tensor.AttentionShape{Batch: 2, SeqLen: 9, Heads: 3, HeadDim: 16}
		ac := att.Heads * att.HeadDim
		abt := att.Batch * att.SeqLen
		adam := tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, Step: 2, GradScale: 1}
		ops := []struct {
			name string
			call func() error
		}{
			{"Fill", func() error { return d.Fill(buf(n), 1) }},
			{"FillInt32", func() error { return d.Fill(ids(n), 3) }},
			{"Copy same", func() error { return d.Copy(buf(n), buf(n)) }},
			{"Copy cast", func() error { return d.Copy(buf(n), fakeBuf(t, d, other, n)) }},
			{"Add", func() error { return d.Add(buf(n), buf(n), buf(n)) }},
			{"Accumulate same", func() error { return d.Accumulate(buf(n), buf(n), 0.5) }},
			{"Accumulate mixed", func() error { return d.Accumulate(buf(n), fakeBuf(t, d, other, n), 0.5) }},
			{"MatMul", func() error {
				return d.MatMul(buf(2*3*5), buf(2*3*4), buf(4*5), tensor.MatMulShape{Batch: 2, M: 3, N: 5, K: 4, StrideA: 12, StrideC: 15})
			}},
			{"Embedding", func() error { return d.Embedding(buf(15*cols), buf(vocab*cols), buf(6*cols), ids(15), emb) }},
			{"EmbeddingBackward", func() error { return d.EmbeddingBackward(buf(vocab*cols), buf(6*cols), buf(15*cols), ids(15), emb) }},
			{"LayerNorm", func() error {
				return d.LayerNorm(buf(n), f32(rows), f32(rows), buf(n), buf(cols), buf(cols), rows, cols)
			}},
			{"LayerNormBackward", func() error {
				return d.LayerNormBackward(buf(n), buf(cols), buf(cols), buf(n), buf(n), buf(cols), f32(rows), f32(rows), rows, cols)
			}},
			{"LayerNormBackward dw only", func() error {
				return d.LayerNormBackward(nil, buf(cols), nil, buf(n), buf(n), buf(cols), f32(rows), f32(rows), rows, cols)
			}},
			{"LayerNormBackward dx only", func() error {
				return d.LayerNormBackward(buf(n), nil, nil, buf(n), buf(n), buf(cols), f32(rows), f32(rows), rows, cols)
			}},
			{"LayerNormBackward wide", func() error {
				const r, c = 3, 2000 // accumulators too wide for shared memory: the unfused passes
				return d.LayerNormBackward(buf(r*c), buf(c), buf(c), buf(r*c), buf(r*c), buf(c), f32(r), f32(r), r, c)
			}},
			{"GeLU", func() error { return d.GeLU(buf(n), buf(n)) }},
			{"GeLUBackward", func() error { return d.GeLUBackward(buf(n), buf(n), buf(n)) }},
			{"SwiGLU", func() error { return d.SwiGLU(buf(rows*hidden), buf(rows*2*hidden), rows, hidden) }},
			{"SwiGLUBackward", func() error {
				return d.SwiGLUBackward(buf(rows*2*hidden), buf(rows*2*hidden), buf(rows*hidden), rows, hidden)
			}},
			{"Attention", func() error { return d.Attention(buf(abt*ac), f32(att.Batch*att.Heads*att.SeqLen), buf(abt*3*ac), att) }},
			{"AttentionBackward", func() error {
				return d.AttentionBackward(buf(abt*3*ac), buf(abt*ac), buf(abt*3*ac), buf(abt*ac), f32(att.Batch*att.Heads*att.SeqLen), att)
			}},
			{"Attention head dim 64", func() error {
				a := tensor.AttentionShape{Batch: 2, SeqLen: 70, Heads: 2, HeadDim: 64}
				c, bt, st := a.Heads*a.HeadDim, a.Batch*a.SeqLen, a.Batch*a.Heads*a.SeqLen
				if err := d.Attention(buf(bt*c), f32(st), buf(bt*3*c), a); err != nil {
					return err
				}
				return d.AttentionBackward(buf(bt*3*c), buf(bt*c), buf(bt*3*c), buf(bt*c), f32(st), a)
			}},
			{"CrossEntropy", func() error { return d.CrossEntropy(f32(1), buf(rows*vocab), ids(rows), rows, vocab, 1, true) }},
			{"AdamW plain", func() error { return d.AdamW(adam, buf(n), buf(n), f32(n), f32(n), nil) }},
			{"AdamW master", func() error { return d.AdamW(adam, buf(n), buf(n), f32(n), f32(n), f32(n)) }},
			{"AdamW other grad", func() error { return d.AdamW(adam, buf(n), fakeBuf(t, d, other, n), f32(n), f32(n), f32(n)) }},
			{"SumSquares", func() error {
				_, err := d.SumSquares([]tensor.Buffer{buf(n), buf(1), buf(100_000), f32(3)})
				return err
			}},
		}
		for _, op := range ops {
			t.Run(fmt.Sprintf("%s/%s", dt, op.name), func(t *testing.T) {
				require.NoError(t, op.call())
			})
		}
	}
	seen := map[string]bool{}
	for _, l := range f.launches {
		seen[l.name] = true
	}
	for _, k := range launchedKernels() {
		if k == "copy_f32_f32" || k == "copy_bf16_bf16" {
			continue // same-type copies go through cuMemcpyDtoDAsync
		}
		assert.Truef(t, seen[k], "no op launched %s", k)
	}
}

// The launches carry the right geometry and scratch sizes.
func TestLaunchGeometry(t *testing.T) {
	d, f := newFakeDevice(t)
	last := func(stem string) launchRecord {
		for i := len(f.launches) - 1; i >= 0; i-- {
			if strings.HasPrefix(f.launches[i].name, stem) {
				return f.launches[i]
			}
		}
		t.Fatalf("no launch of %s", stem)
		return launchRecord{}
	}
	buf := func(dt tensor.DType, n int) tensor.Buffer { return fakeBuf(t, d, dt, n) }

	t.Run("fallback GEMM grid", func(t *testing.T) {
		s := tensor.MatMulShape{Batch: 3, M: 33, N: 17, K: 5, StrideA: 33 * 5, StrideB: 0, StrideC: 33 * 17, TransB: true, Accumulate: true}
		require.NoError(t, d.MatMul(buf(tensor.Float32, 3*33*17), buf(tensor.Float32, 3*33*5), buf(tensor.Float32, 17*5), s))
		l := last("gemm_f32")
		assert.Equal(t, Dim3{2, 3, 3}, l.grid)
		assert.Equal(t, Dim3{16, 16, 1}, l.block)
		assert.Equal(t, []uint64{33, 17, 5, 0, 1, 165, 0, 561, 1}, l.args[3:], "M N K transA transB strideA strideB strideC accumulate")
	})
	t.Run("cross-entropy one block per row", func(t *testing.T) {
		ids := fakeBuf(t, d, tensor.Int32, 5)
		require.NoError(t, d.CrossEntropy(buf(tensor.Float32, 1), buf(tensor.BFloat16, 5*9000), ids, 5, 9000, 0.5, false))
		l := last("crossentropy_bf16")
		assert.Equal(t, Dim3{5, 1, 1}, l.grid)
		assert.Equal(t, 1024, l.block.X, "large vocabularies get 1024 threads")
		assert.Equal(t, uint64(0), l.args[6], "writeGrad false")
		assert.GreaterOrEqual(t, l.pointedBytes[0], 4*5, "the per-row loss scratch must hold every row")
	})
	t.Run("layernorm fused backward", func(t *testing.T) {
		const rows, cols = 1000, 768
		require.NoError(t, d.LayerNormBackward(buf(tensor.BFloat16, rows*cols), buf(tensor.BFloat16, cols), buf(tensor.BFloat16, cols),
			buf(tensor.BFloat16, rows*cols), buf(tensor.BFloat16, rows*cols), buf(tensor.BFloat16, cols), buf(tensor.Float32, rows),
			buf(tensor.Float32, rows), rows, cols))
		l := last("layernorm_bwd_fused_bf16")
		chunks := lnFusedChunks(rows)
		assert.Equal(t, Dim3{chunks, 1, 1}, l.grid)
		assert.Equal(t, 128, l.block.X)
		assert.Equal(t, lnFusedShared(cols), l.shmem)
		assert.LessOrEqual(t, l.shmem, 48<<10)
		assert.GreaterOrEqual(t, l.pointedBytes[1], 4*2*chunks*cols, "partial scratch")
		fin := last("layernorm_bwd_final_bf16")
		assert.Equal(t, uint64(chunks), fin.args[3])
	})
	t.Run("layernorm wide backward", func(t *testing.T) {
		const rows, cols = 1000, 2000
		require.Greater(t, lnFusedShared(cols), 48<<10)
		require.NoError(t, d.LayerNormBackward(nil, buf(tensor.Float32, cols), buf(tensor.Float32, cols), buf(tensor.Float32, rows*cols),
			buf(tensor.Float32, rows*cols), buf(tensor.Float32, cols), buf(tensor.Float32, rows), buf(tensor.Float32, rows), rows, cols))
		l := last("layernorm_bwd_partial")
		chunks := lnChunks(rows)
		assert.Equal(t, Dim3{8, chunks, 1}, l.grid)
		assert.GreaterOrEqual(t, l.pointedBytes[0], 4*2*chunks*cols)
		fin := last("layernorm_bwd_final")
		assert.Equal(t, uint64(chunks), fin.args[3])
	})
	t.Run("sumsq partial slices", func(t *testing.T) {
		sizes := []int{5, 100_000, 3_000_000}
		var bs []tensor.Buffer
		for _, n := range sizes {
			bs = append(bs, buf(tensor.BFloat16, n))
		}
		start := len(f.launches)
		_, err := d.SumSquares(bs)
		require.NoError(t, err)
		total := 0
		for i, n := range sizes {
			l := f.launches[start+i]
			require.True(t, strings.HasPrefix(l.name, "sumsq_partial"))
			nb := sumsqBlocks(n)
			assert.Equal(t, nb, l.grid.X)
			total += nb
			// Its slice, and everything after it up to the result, fits in the scratch.
			assert.GreaterOrEqual(t, l.pointedBytes[0], 8*nb)
		}
		fin := f.launches[start+len(sizes)]
		assert.Equal(t, "sumsq_final", fin.name)
		assert.Equal(t, uint64(total), fin.args[2])
		assert.GreaterOrEqual(t, fin.pointedBytes[0], 8, "the result slot is inside the scratch")
	})
	t.Run("embedding backward shared memory", func(t *testing.T) {
		s := tensor.EmbeddingShape{Batch: 2, SeqLen: 3, Vocab: 7, Width: 40}
		ids := fakeBuf(t, d, tensor.Int32, 6)
		require.NoError(t, d.EmbeddingBackward(buf(tensor.Float32, 7*40), nil, buf(tensor.Float32, 6*40), ids, s))
		l := last("embedding_bwd_wte")
		assert.Equal(t, 40*4, l.shmem)
		assert.Equal(t, Dim3{6, 1, 1}, l.grid)
	})
	t.Run("elementwise grids are capped", func(t *testing.T) {
		x, err := d.Alloc(tensor.BFloat16, 50_000_000) // unwritten: only the launch is checked
		require.NoError(t, err)
		require.NoError(t, d.GeLU(x, x))
		l := last("gelu_fwd_bf16")
		assert.Equal(t, d.sms*blocksPerSM, l.grid.X)
	})
}

// Range tracking of Int32 buffers catches bad ids without a read-back.
func TestIdRangeErrors(t *testing.T) {
	d, _ := newFakeDevice(t)
	s := tensor.EmbeddingShape{Batch: 1, SeqLen: 2, Vocab: 4, Width: 3}
	f := func(n int) tensor.Buffer { return fakeBuf(t, d, tensor.Float32, n) }
	idsOf := func(v ...int32) tensor.Buffer {
		b, err := d.Alloc(tensor.Int32, len(v))
		require.NoError(t, err)
		require.NoError(t, d.WriteInt32(b, v))
		return b
	}
	unwritten, err := d.Alloc(tensor.Int32, 2)
	require.NoError(t, err)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"too large", d.Embedding(f(6), f(12), f(6), idsOf(1, 7), s), "holds 7"},
		{"negative", d.Embedding(f(6), f(12), f(6), idsOf(-3, 1), s), "holds -3"},
		{"backward", d.EmbeddingBackward(f(12), f(6), f(6), idsOf(4, 0), s), "holds 4"},
		{"targets", d.CrossEntropy(f(1), f(6), idsOf(1, 9), 2, 3, 1, true), "holds 9"},
		{"never written", d.Embedding(f(6), f(12), f(6), unwritten, s), "never written"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { require.ErrorContains(t, tt.err, tt.want) })
	}
	require.NoError(t, d.Embedding(f(6), f(12), f(6), idsOf(0, 3), s))
}
