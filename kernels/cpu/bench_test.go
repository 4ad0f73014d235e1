package cpu_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// cpuClock reports a metric per CPU-second next to the wall-clock one:
// on a shared machine the wall clock also counts the time other processes
// held the cores, the CPU time does not (it still counts time lost to
// contended caches and memory).
type cpuClock struct{ start time.Duration }

func startCPU() cpuClock { return cpuClock{processCPUTime()} }

// report adds "<unit>-per-cpu-s": amount divided by the CPU seconds used.
func (c cpuClock) report(b *testing.B, amount float64, unit string) {
	if c.start == 0 {
		return
	}
	if s := (processCPUTime() - c.start).Seconds(); s > 0 {
		b.ReportMetric(amount/s, unit+"-per-cpu-s")
	}
}

// benchBuf allocates a Float32 buffer of n normal values.
func benchBuf(b *testing.B, d *cpu.Device, n int, scale float32) tensor.Buffer {
	b.Helper()
	buf, err := d.Alloc(tensor.Float32, n)
	if err != nil {
		b.Fatal(err)
	}
	v := make([]float32, n)
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	for i := range v {
		v[i] = float32(rng.NormFloat64()) * scale
	}
	if err := d.Write(buf, v); err != nil {
		b.Fatal(err)
	}
	return buf
}

// BenchmarkAttention times the fused causal attention forward and backward
// at B=8, H=4, T=256, Dh=64. FLOPs: the forward's two products (Q·Kᵀ and
// P·V) are 2·2·B·H·T²·Dh, halved by the causal mask: 2·B·H·T²·Dh; the
// backward is counted as 2.5x that (five products instead of two: the
// score recompute, dV, dP, dK, dQ), although this kernel recomputes the
// scores twice (once per pass) and so does more.
func BenchmarkAttention(b *testing.B) {
	s := tensor.AttentionShape{Batch: 8, SeqLen: 256, Heads: 4, HeadDim: 64}
	d := cpu.New()
	c := s.Heads * s.HeadDim
	n := s.Batch * s.SeqLen
	qkv := benchBuf(b, d, n*3*c, 1)
	out := benchBuf(b, d, n*c, 0)
	lse := benchBuf(b, d, s.Batch*s.Heads*s.SeqLen, 0)
	dout := benchBuf(b, d, n*c, 1)
	dqkv := benchBuf(b, d, n*3*c, 0)
	fwd := 4.0 * float64(s.Batch*s.Heads*s.SeqLen*s.SeqLen*s.HeadDim) / 2
	b.Run("forward", func(b *testing.B) {
		clock := startCPU()
		for b.Loop() {
			if err := d.Attention(out, lse, qkv, s); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(fwd*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		clock.report(b, fwd*float64(b.N)/1e9, "GFLOP")
	})
	b.Run("forward+backward", func(b *testing.B) {
		clock := startCPU()
		for b.Loop() {
			if err := d.Attention(out, lse, qkv, s); err != nil {
				b.Fatal(err)
			}
			if err := d.AttentionBackward(dqkv, dout, qkv, out, lse, s); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(3.5*fwd*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		clock.report(b, 3.5*fwd*float64(b.N)/1e9, "GFLOP")
	})
}

// BenchmarkLayerNorm times LayerNorm forward+backward on 8×256 rows of 768
// (GPT-2 small's width). Bytes: forward reads x, w, b and writes out, mean,
// rstd; backward reads dout, x, w, mean, rstd and read-modify-writes dx,
// dw, db (the dw/db pass reads dout and x a second time).
func BenchmarkLayerNorm(b *testing.B) {
	const rows, cols = 8 * 256, 768
	d := cpu.New()
	x, w, bias := benchBuf(b, d, rows*cols, 1), benchBuf(b, d, cols, 1), benchBuf(b, d, cols, 0.1)
	out, mean, rstd := benchBuf(b, d, rows*cols, 0), benchBuf(b, d, rows, 0), benchBuf(b, d, rows, 0)
	dout, dx, dw, db := benchBuf(b, d, rows*cols, 1), benchBuf(b, d, rows*cols, 0), benchBuf(b, d, cols, 0), benchBuf(b, d, cols, 0)
	fwdBytes := 4 * (2*rows*cols + 2*cols + 2*rows)
	bwdBytes := 4 * (rows*cols*(2+2+2) + 2*rows + cols + 2*2*cols)
	clock := startCPU()
	for b.Loop() {
		if err := d.LayerNorm(out, mean, rstd, x, w, bias, rows, cols); err != nil {
			b.Fatal(err)
		}
		if err := d.LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd, rows, cols); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fwdBytes+bwdBytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, float64(fwdBytes+bwdBytes)*float64(b.N)/1e9, "GB")
}

// BenchmarkAdamW times one AdamW update of 10M parameters (about the 10M
// model of the sweep). Bytes: reads param, grad, m, v and writes param, m,
// v: 7·4 bytes per parameter.
func BenchmarkAdamW(b *testing.B) {
	const n = 10_000_000
	d := cpu.New()
	param, grad, m, v := benchBuf(b, d, n, 1), benchBuf(b, d, n, 1), benchBuf(b, d, n, 0), benchBuf(b, d, n, 0)
	p := tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, GradScale: 1}
	step := 0
	clock := startCPU()
	for b.Loop() {
		step++
		p.Step = step
		if err := d.AdamW(p, param, grad, m, v, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(7*4*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, 7*4*n*float64(b.N)/1e9, "GB")
}

// BenchmarkGeLU times GeLU forward+backward on 8×256 tokens of 4·768
// (GPT-2 small's FFN). Bytes: forward reads x and writes out; backward
// reads x and dout and read-modify-writes dx: 6·4 bytes per element.
func BenchmarkGeLU(b *testing.B) {
	const n = 8 * 256 * 4 * 768
	d := cpu.New()
	x, out, dout, dx := benchBuf(b, d, n, 1), benchBuf(b, d, n, 0), benchBuf(b, d, n, 1), benchBuf(b, d, n, 0)
	clock := startCPU()
	for b.Loop() {
		if err := d.GeLU(out, x); err != nil {
			b.Fatal(err)
		}
		if err := d.GeLUBackward(dx, x, dout); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(6*4*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, 6*4*n*float64(b.N)/1e9, "GB")
}

// BenchmarkCrossEntropy times the fused loss and gradient on 8×256 rows of
// a 50257-token vocabulary (GPT-2's). Bytes: the logits are read twice
// (max, exponentials) and written once.
func BenchmarkCrossEntropy(b *testing.B) {
	const rows, vocab = 8 * 256, 50257
	d := cpu.New()
	logits, loss := benchBuf(b, d, rows*vocab, 1), benchBuf(b, d, 1, 0)
	targets, err := d.Alloc(tensor.Int32, rows)
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Fill(targets, 7); err != nil {
		b.Fatal(err)
	}
	clock := startCPU()
	for b.Loop() {
		// Overwriting the logits with their gradient each time changes the
		// values, not the work.
		if err := d.CrossEntropy(loss, logits, targets, rows, vocab, 1, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(3*4*rows*vocab*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	clock.report(b, 3*4*rows*vocab*float64(b.N)/1e9, "GB")
}
