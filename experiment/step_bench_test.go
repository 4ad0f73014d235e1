package experiment

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/kernels/cpu/gemm"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
)

// gemmPeakCPU measures gemm.Sgemm at m=4096, n=768, k=768 (a GPT-2-small
// sized projection) for about dur and returns its GFLOP/s: the
// denominator of the training step's MFU. The step benchmarks measure it
// right before and right after their timed loop and use the mean, so that
// a machine shared with other work loads both sides alike. cpu is the same
// rate per second of process CPU time (0 where CPU time is not measured),
// which other programs competing for the cores do not dilute.
func gemmPeakCPU(dur time.Duration) (wall, cpu float64) {
	const m, n, k = 4096, 768, 768
	a, bm, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = float32(i%7) * 0.1
	}
	for i := range bm {
		bm[i] = float32(i%5) * 0.1
	}
	gemm.Sgemm(false, false, m, n, k, 1, a, k, bm, n, 0, c, n) // warm up
	iters, start, cpu0 := 0, time.Now(), processCPU()
	for iters < 2 || time.Since(start) < dur {
		gemm.Sgemm(false, false, m, n, k, 1, a, k, bm, n, 0, c, n)
		iters++
	}
	flop := 2 * float64(m*n*k) * float64(iters) / 1e9
	wall = flop / time.Since(start).Seconds()
	if used := (processCPU() - cpu0).Seconds(); used > 0 {
		cpu = flop / used
	}
	return wall, cpu
}

// BenchmarkTrainStep times one full training step (forward, backward,
// gradient norm, AdamW) of the 1M and 3M models on the CPU device, with a
// 4096-token vocabulary (and the 3M GeLU model also with GPT-2's 50,257,
// the -tokenizer gpt2 mode) and a 256-token context, and reports tokens/s,
// model GFLOP/s (nn.Config.FLOPsPerToken: every matrix multiply, the
// attention and the tied output layer) and MFU against the GEMM peak
// measured in the same binary right around the timed steps (the
// gemm-4096x768x768 row times the same GEMM on its own). matmul-time% is
// the share of the step spent in MatMul; the log line breaks down the rest.
// cpuMFU% is the same ratio with process CPU time in place of wall time on
// both sides, and tokens/cpu-s the tokens per second of process CPU time:
// both stay meaningful when other programs load the machine.
func BenchmarkTrainStep(b *testing.B) {
	b.Run("gemm-4096x768x768", func(b *testing.B) {
		const m, n, k = 4096, 768, 768
		a, bm, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			gemm.Sgemm(false, false, m, n, k, 1, a, k, bm, n, 0, c, n)
		}
		b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	for _, tc := range []struct {
		params int64
		act    nn.Activation
		batch  int
		vocab  int
	}{
		{1_000_000, nn.GeLU, 16, 4096},
		{3_000_000, nn.GeLU, 16, 4096},
		{3_000_000, nn.SwiGLU, 16, 4096},
		{3_000_000, nn.GeLU, 16, 50257},
	} {
		name := fmt.Sprintf("%dM-%s", tc.params/1_000_000, tc.act)
		if tc.vocab != 4096 {
			name += fmt.Sprintf("-vocab%d", tc.vocab)
		}
		b.Run(name, func(b *testing.B) {
			benchStep(b, tc.params, tc.act, tc.batch, tc.vocab)
		})
	}
}

func benchStep(b *testing.B, params int64, act nn.Activation, batch, vocab int) {
	const seq = 256
	cfg, err := nn.ForParams(params, vocab, seq, act)
	require.NoError(b, err)
	dev := newOpTimer(cpu.New())
	m, err := nn.New(dev, cfg, 1)
	require.NoError(b, err)
	defer m.Free()
	var ps []optim.Param
	for _, p := range m.Params() {
		ps = append(ps, optim.Param{Name: p.Name, T: p.T, Decay: p.Decay})
	}
	opt, err := optim.NewAdamW(dev, ps, optim.DefaultsFor(cfg.Params().NonEmbedding).Hyper)
	require.NoError(b, err)
	defer opt.Free()
	r := nn.NewRNG(2)
	in, tg := make([]int32, batch*seq), make([]int32, batch*seq)
	for i := range in {
		in[i], tg[i] = int32(r.Uint64()%uint64(vocab)), int32(r.Uint64()%uint64(vocab))
	}
	ids, err := tensor.FromInt32(dev, in, batch, seq)
	require.NoError(b, err)
	tgts, err := tensor.FromInt32(dev, tg, batch, seq)
	require.NoError(b, err)
	g := tensor.NewGraph(dev)
	step := func() {
		require.NoError(b, m.ZeroGrad())
		g.Reset()
		loss, err := m.Loss(g, ids, tgts, 1)
		require.NoError(b, err)
		require.NoError(b, g.Backward(loss))
		_, err = opt.Step(1e-3)
		require.NoError(b, err)
	}
	step() // first step allocates the graph's buffers
	b.StopTimer()
	before, beforeCPU := gemmPeakCPU(time.Second)
	clear(dev.byOp)
	b.StartTimer()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		step()
	}
	sec := b.Elapsed().Seconds()
	stepCPU := (processCPU() - cpu0).Seconds()
	b.StopTimer()
	after, afterCPU := gemmPeakCPU(time.Second)
	peak, peakCPU := (before+after)/2, (beforeCPU+afterCPU)/2
	tokPerSec := float64(b.N*batch*seq) / sec
	gflops := tokPerSec * cfg.FLOPsPerToken() / 1e9
	b.ReportMetric(tokPerSec, "tokens/s")
	b.ReportMetric(gflops, "GFLOP/s")
	b.ReportMetric(100*gflops/peak, "MFU%")
	b.ReportMetric(peak, "peak-GFLOP/s")
	if peakCPU > 0 && stepCPU > 0 {
		// The same ratio per CPU-second: robust when other programs share the cores.
		b.ReportMetric(100*float64(b.N*batch*seq)*cfg.FLOPsPerToken()/1e9/stepCPU/peakCPU, "cpuMFU%")
		b.ReportMetric(float64(b.N*batch*seq)/stepCPU, "tokens/cpu-s")
	}
	b.ReportMetric(100*dev.byOp["MatMul"].Seconds()/sec, "matmul-time%")
	shares := ""
	for _, op := range []string{"MatMul", "GeLU", "SwiGLU", "Attention", "CrossEntropy", "LayerNorm", "Fill", "AdamW"} {
		shares += fmt.Sprintf(" %s %.1f%%", op, 100*dev.byOp[op].Seconds()/sec)
	}
	b.Logf("time shares:%s", shares)
	b.Logf("%s N=%d total %d parameters, FLOPs/token exact %.3g (6N %.3g), batch %d×%d", cfg, cfg.Params().NonEmbedding, cfg.Params().Total, cfg.FLOPsPerToken(), cfg.FLOPsPerToken6N(), batch, seq)
}
