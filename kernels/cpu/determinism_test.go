package cpu_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// TestParallelOpsAreDeterministic runs every op with a reduction across
// rows or tokens at sizes that spread over the workers, several times:
// which worker takes which chunk varies from run to run, the bits must not.
func TestParallelOpsAreDeterministic(t *testing.T) {
	const rows, cols, vocab = 512, 192, 300
	s := tensor.AttentionShape{Batch: 4, SeqLen: 130, Heads: 2, HeadDim: 32}
	emb := tensor.EmbeddingShape{Batch: 4, SeqLen: 128, Vocab: 50, Width: cols}
	run := func() [][]float32 {
		d := cpu.New()
		rng := rand.New(rand.NewPCG(5, 6))
		buf := func(n int) tensor.Buffer {
			b, err := d.Alloc(tensor.Float32, n)
			require.NoError(t, err)
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
			require.NoError(t, d.Write(b, v))
			return b
		}
		ints := func(n, hi int) tensor.Buffer {
			b, err := d.Alloc(tensor.Int32, n)
			require.NoError(t, err)
			v := make([]int32, n)
			for i := range v {
				v[i] = int32(rng.IntN(hi))
			}
			require.NoError(t, d.WriteInt32(b, v))
			return b
		}
		x, w, bias, dout := buf(rows*cols), buf(cols), buf(cols), buf(rows*cols)
		out, mean, rstd, dx, dw, db := buf(rows*cols), buf(rows), buf(rows), buf(rows*cols), buf(cols), buf(cols)
		require.NoError(t, d.LayerNorm(out, mean, rstd, x, w, bias, rows, cols))
		require.NoError(t, d.LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd, rows, cols))

		ids := ints(emb.Batch*emb.SeqLen, emb.Vocab)
		dwte, dwpe := buf(emb.Vocab*cols), buf(emb.SeqLen*cols)
		require.NoError(t, d.EmbeddingBackward(dwte, dwpe, buf(emb.Batch*emb.SeqLen*cols), ids, emb))

		logits, loss := buf(rows*vocab), buf(1)
		require.NoError(t, d.CrossEntropy(loss, logits, ints(rows, vocab), rows, vocab, 1, true))

		c := s.Heads * s.HeadDim
		qkv, ao, lse, dqkv := buf(s.Batch*s.SeqLen*3*c), buf(s.Batch*s.SeqLen*c), buf(s.Batch*s.Heads*s.SeqLen), buf(s.Batch*s.SeqLen*3*c)
		require.NoError(t, d.Attention(ao, lse, qkv, s))
		require.NoError(t, d.AttentionBackward(dqkv, buf(s.Batch*s.SeqLen*c), qkv, ao, lse, s))

		mm := buf(rows * rows)
		require.NoError(t, d.MatMul(mm, x, dout, tensor.MatMulShape{Batch: 1, M: rows, N: rows, K: cols, TransB: true}))

		ss, err := d.SumSquares([]tensor.Buffer{x, dout, mm})
		require.NoError(t, err)

		var res [][]float32
		for _, b := range []tensor.Buffer{out, mean, rstd, dx, dw, db, dwte, dwpe, logits, loss, ao, lse, dqkv, mm} {
			v := make([]float32, b.Len())
			require.NoError(t, d.Read(v, b))
			res = append(res, v)
		}
		return append(res, []float32{float32(ss), float32(ss - float64(float32(ss)))})
	}
	first := run()
	for range 3 {
		assert.Equal(t, first, run())
	}
}
