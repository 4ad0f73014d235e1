package cuda

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/require"
)

// Benchmarks of every kernel at model shapes, timed with CUDA events on the
// device's stream. Each reports GB/s over the fewest bytes the op must move
// (every input read once, every output written once; a gradient that is
// accumulated counts as read and written) and frac_of_copy, that bandwidth
// over the device-to-device copy bandwidth measured in the same process
// (the ceiling, METHOD.md). GEMMs report TFLOP/s. They skip without a GPU;
// scripts/gpu-check.sh runs them, and scripts/torch_bench.py times PyTorch
// at the same shapes.
//
// Shapes: rows = B·T = 8·1024 tokens, width d = 768, GeLU hidden 4d = 3072,
// SwiGLU hidden 2048 (8d/3), vocabulary 50257 — GPT-2 small's, the largest
// of the seed grid.
const (
	bRows   = 8 * 1024
	bWidth  = 768
	bHidden = 3072
	bSwiH   = 2048
	bVocab  = 50257
	bParams = 85_000_000
)

var (
	copyOnce sync.Once
	copyGBs  float64
)

// measure times op over b.N iterations (after a warm-up) with events and
// reports GB/s for bytes per call, flops as TFLOP/s when non-zero, and the
// fraction of the copy bandwidth.
func measure(b *testing.B, d *Device, bytes, flops float64, op func() error) {
	b.Helper()
	for i := 0; i < 3; i++ {
		require.NoError(b, op())
	}
	require.NoError(b, d.Sync())
	tm, err := d.newTimer()
	require.NoError(b, err)
	defer func() { _ = tm.close() }()
	b.ResetTimer()
	require.NoError(b, tm.mark(true))
	for i := 0; i < b.N; i++ {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	require.NoError(b, tm.mark(false))
	sec, err := tm.seconds()
	require.NoError(b, err)
	b.StopTimer()
	per := sec / float64(b.N)
	b.ReportMetric(per*1e6, "us/call")
	if bytes > 0 {
		gbs := bytes / per / 1e9
		b.ReportMetric(gbs, "GB/s")
		if copyGBs > 0 {
			b.ReportMetric(gbs/copyGBs, "frac_of_copy")
		}
	}
	if flops > 0 {
		b.ReportMetric(flops/per/1e12, "TFLOP/s")
	}
}

// benchDevice opens the GPU for a benchmark and measures the copy ceiling once.
func benchDevice(b *testing.B) *Device {
	d := gpu(b)
	copyOnce.Do(func() {
		const n = 256 << 20 // 1 GiB of float32
		src, err := d.Alloc(tensor.Float32, n)
		require.NoError(b, err)
		dst, err := d.Alloc(tensor.Float32, n)
		require.NoError(b, err)
		require.NoError(b, d.Fill(src, 1))
		tm, err := d.newTimer()
		require.NoError(b, err)
		require.NoError(b, d.Copy(dst, src))
		require.NoError(b, tm.mark(true))
		const reps = 20
		for i := 0; i < reps; i++ {
			require.NoError(b, d.Copy(dst, src))
		}
		require.NoError(b, tm.mark(false))
		sec, err := tm.seconds()
		require.NoError(b, err)
		copyGBs = 2 * 4 * n * reps / sec / 1e9 // read + write
		_ = tm.close()
		d.Free(src)
		d.Free(dst)
	})
	return d
}

func rnd(b *testing.B, d *Device, dt tensor.DType, n int, scale float64) tensor.Buffer {
	return upload(b, d, dt, n, rand.New(rand.NewPCG(uint64(n), 9)), scale)
}

func ints(b *testing.B, d *Device, n, hi int) tensor.Buffer {
	rng := rand.New(rand.NewPCG(uint64(n), 11))
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(rng.IntN(hi))
	}
	buf, err := d.Alloc(tensor.Int32, n)
	require.NoError(b, err)
	require.NoError(b, d.WriteInt32(buf, v))
	return buf
}

func BenchmarkCopyD2D(b *testing.B) {
	d := benchDevice(b)
	const n = 256 << 20
	src, dst := rnd(b, d, tensor.Float32, n, 1), rnd(b, d, tensor.Float32, n, 1)
	measure(b, d, 8*n, 0, func() error { return d.Copy(dst, src) })
}

func BenchmarkMatMul(b *testing.B) {
	d := benchDevice(b)
	shapes := []struct {
		name    string
		m, n, k int
		ta, tb  bool
	}{
		{"fc_fwd_8192x3072x768", bRows, bHidden, bWidth, false, true},
		{"fc_dW_3072x768x8192", bHidden, bWidth, bRows, true, false},
		{"lm_head_8192x50257x768", bRows, bVocab, bWidth, false, true},
	}
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		for _, s := range shapes {
			b.Run(dt.String()+"/"+s.name, func(b *testing.B) {
				a := rnd(b, d, dt, s.m*s.k, 1)
				w := rnd(b, d, dt, s.k*s.n, 1)
				c := rnd(b, d, dt, s.m*s.n, 1)
				ms := tensor.MatMulShape{Batch: 1, M: s.m, N: s.n, K: s.k, TransA: s.ta, TransB: s.tb}
				measure(b, d, 0, 2*float64(s.m)*float64(s.n)*float64(s.k), func() error { return d.MatMul(c, a, w, ms) })
			})
		}
	}
}

func BenchmarkElementwise(b *testing.B) {
	d := benchDevice(b)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		sz := float64(dt.Size())
		n := bRows * bHidden
		x, dout := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1)
		out, dx := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1e-3)
		b.Run(dt.String()+"/GeLU", func(b *testing.B) {
			measure(b, d, 2*sz*float64(n), 0, func() error { return d.GeLU(out, x) })
		})
		b.Run(dt.String()+"/GeLUBackward", func(b *testing.B) {
			measure(b, d, 4*sz*float64(n), 0, func() error { return d.GeLUBackward(dx, x, dout) })
		})
		b.Run(dt.String()+"/Add", func(b *testing.B) {
			measure(b, d, 3*sz*float64(n), 0, func() error { return d.Add(out, x, dout) })
		})
		b.Run(dt.String()+"/Accumulate", func(b *testing.B) {
			measure(b, d, 3*sz*float64(n), 0, func() error { return d.Accumulate(dx, dout, 1e-3) })
		})
		sx, sdx := rnd(b, d, dt, bRows*2*bSwiH, 1), rnd(b, d, dt, bRows*2*bSwiH, 1e-3)
		sout, sdout := rnd(b, d, dt, bRows*bSwiH, 1), rnd(b, d, dt, bRows*bSwiH, 1)
		h := float64(bRows * bSwiH)
		b.Run(dt.String()+"/SwiGLU", func(b *testing.B) {
			measure(b, d, 3*sz*h, 0, func() error { return d.SwiGLU(sout, sx, bRows, bSwiH) })
		})
		b.Run(dt.String()+"/SwiGLUBackward", func(b *testing.B) {
			measure(b, d, 7*sz*h, 0, func() error { return d.SwiGLUBackward(sdx, sx, sdout, bRows, bSwiH) })
		})
	}
}

func BenchmarkLayerNorm(b *testing.B) {
	d := benchDevice(b)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		sz := float64(dt.Size())
		n := bRows * bWidth
		x, dout := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1)
		out, dx := rnd(b, d, dt, n, 1), rnd(b, d, dt, n, 1e-3)
		w, bias := rnd(b, d, dt, bWidth, 1), rnd(b, d, dt, bWidth, 1)
		dw, db := rnd(b, d, dt, bWidth, 1), rnd(b, d, dt, bWidth, 1)
		mean, rstd := rnd(b, d, tensor.Float32, bRows, 1), rnd(b, d, tensor.Float32, bRows, 1)
		require.NoError(b, d.LayerNorm(out, mean, rstd, x, w, bias, bRows, bWidth))
		b.Run(dt.String()+"/Forward", func(b *testing.B) {
			measure(b, d, 2*sz*float64(n), 0, func() error { return d.LayerNorm(out, mean, rstd, x, w, bias, bRows, bWidth) })
		})
		b.Run(dt.String()+"/Backward", func(b *testing.B) {
			measure(b, d, 4*sz*float64(n), 0, func() error {
				return d.LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd, bRows, bWidth)
			})
		})
	}
}

func BenchmarkCrossEntropy(b *testing.B) {
	d := benchDevice(b)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		n := bRows * bVocab
		logits := rnd(b, d, dt, n, 2)
		targets := ints(b, d, bRows, bVocab)
		loss, err := d.Alloc(tensor.Float32, 1)
		require.NoError(b, err)
		// The gradient overwrites the logits; their values stay in a sane
		// range, so the repeated calls keep doing the same work.
		b.Run(dt.String()+"/WithGrad", func(b *testing.B) {
			measure(b, d, 2*float64(dt.Size())*float64(n), 0, func() error {
				return d.CrossEntropy(loss, logits, targets, bRows, bVocab, 1, true)
			})
		})
		b.Run(dt.String()+"/LossOnly", func(b *testing.B) {
			measure(b, d, float64(dt.Size())*float64(n), 0, func() error {
				return d.CrossEntropy(loss, logits, targets, bRows, bVocab, 1, false)
			})
		})
	}
}

func BenchmarkAdamW(b *testing.B) {
	d := benchDevice(b)
	const n = bParams
	p := tensor.AdamWParams{LR: 1e-4, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, Step: 10, GradScale: 0.9}
	m, v := rnd(b, d, tensor.Float32, n, 1e-3), rnd(b, d, tensor.Float32, n, 1e-3)
	b.Run("master_f32+bf16_working", func(b *testing.B) {
		param, grad, master := rnd(b, d, tensor.BFloat16, n, 1), rnd(b, d, tensor.BFloat16, n, 1), rnd(b, d, tensor.Float32, n, 1)
		// reads grad(2) m(4) v(4) master(4); writes m, v, master (12) and param (2)
		measure(b, d, 28*float64(n), 0, func() error { return d.AdamW(p, param, grad, m, v, master) })
	})
	b.Run("f32", func(b *testing.B) {
		param, grad := rnd(b, d, tensor.Float32, n, 1), rnd(b, d, tensor.Float32, n, 1)
		measure(b, d, 28*float64(n), 0, func() error { return d.AdamW(p, param, grad, m, v, nil) })
	})
}

func BenchmarkEmbedding(b *testing.B) {
	d := benchDevice(b)
	const bt, seq = 8, 1024
	s := tensor.EmbeddingShape{Batch: bt, SeqLen: seq, Vocab: bVocab, Width: bWidth}
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		sz := float64(dt.Size())
		wte, wpe := rnd(b, d, dt, bVocab*bWidth, 0.02), rnd(b, d, dt, seq*bWidth, 0.02)
		dwte, dwpe := rnd(b, d, dt, bVocab*bWidth, 1e-3), rnd(b, d, dt, seq*bWidth, 1e-3)
		ids := ints(b, d, bt*seq, bVocab)
		out, dout := rnd(b, d, dt, bt*seq*bWidth, 1), rnd(b, d, dt, bt*seq*bWidth, 1)
		rows := float64(bt * seq * bWidth)
		b.Run(dt.String()+"/Forward", func(b *testing.B) {
			measure(b, d, 3*sz*rows, 0, func() error { return d.Embedding(out, wte, wpe, ids, s) })
		})
		b.Run(dt.String()+"/Backward", func(b *testing.B) {
			// dout once, and each touched row of dwte / dwpe read and written.
			measure(b, d, 3*sz*rows, 0, func() error { return d.EmbeddingBackward(dwte, dwpe, dout, ids, s) })
		})
	}
}

func BenchmarkSumSquares(b *testing.B) {
	d := benchDevice(b)
	var bufs []tensor.Buffer
	total := 0
	for _, n := range []int{bVocab * bWidth, bWidth * bHidden, bWidth * bHidden, 3 * bWidth * bWidth, bWidth} {
		for i := 0; i < 4; i++ {
			bufs = append(bufs, rnd(b, d, tensor.BFloat16, n, 1))
			total += n
		}
	}
	measure(b, d, 2*float64(total), 0, func() error { _, err := d.SumSquares(bufs); return err })
}

// BenchmarkAttention times Attention as the device dispatches it: bf16 with
// head dim 32/64/128 goes to the flash kernels of issue 8 when they apply,
// float32 to the reference kernels of attention.cu.
func BenchmarkAttention(b *testing.B) {
	d := benchDevice(b)
	s := tensor.AttentionShape{Batch: 4, SeqLen: 1024, Heads: 12, HeadDim: 64}
	c := s.Heads * s.HeadDim
	bt := s.Batch * s.SeqLen
	// Causal attention: 2 matmuls of B·H·T²/2·D multiply-adds forward, 2.5x that backward.
	fwd := 4 * float64(s.Batch*s.Heads) * float64(s.SeqLen) * float64(s.SeqLen) / 2 * float64(s.HeadDim)
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float32} {
		qkv, out := rnd(b, d, dt, bt*3*c, 1), rnd(b, d, dt, bt*c, 1)
		dqkv, dout := rnd(b, d, dt, bt*3*c, 1e-3), rnd(b, d, dt, bt*c, 1)
		lse := rnd(b, d, tensor.Float32, s.Batch*s.Heads*s.SeqLen, 1)
		require.NoError(b, d.Attention(out, lse, qkv, s))
		b.Run(dt.String()+"/Forward", func(b *testing.B) {
			measure(b, d, 0, fwd, func() error { return d.Attention(out, lse, qkv, s) })
		})
		b.Run(dt.String()+"/Backward", func(b *testing.B) {
			measure(b, d, 0, 2.5*fwd, func() error { return d.AttentionBackward(dqkv, dout, qkv, out, lse, s) })
		})
	}
}
