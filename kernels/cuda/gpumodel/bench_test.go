package gpumodel

import (
	"math/rand/v2"
	"testing"

	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/require"
)

// Training-step benchmark of the 30M model on CUDA: forward, backward,
// gradient norm and the AdamW update, as the harness runs them (weights as
// nn.NewWithPrecision makes them), in f32 and in bf16 mixed precision (bf16
// GEMMs and activations, the flash-attention kernel, AdamW on fp32 master
// weights writing the bf16 working copy): BenchmarkTrainStep/f32/gelu,
// BenchmarkTrainStep/bf16/gelu, and so on. scripts/torch_train_bench.py times the same model and
// batch in PyTorch (bf16 autocast, torch.compile) in the same GPU call;
// scripts/gpu-check.sh runs both.
//
// Reports tokens/s and model TFLOP/s (nn.Config.FLOPsPerToken: every
// matmul weight plus attention, times 6), and MFU against the H100 SXM
// dense bf16 peak of 989 TFLOP/s (datasheet), so the two runs compare
// directly.
const (
	trainBatch  = 16
	trainSeq    = 512
	trainVocab  = 50257
	h100BF16Pk  = 989e12
	trainTarget = 30_000_000
)

func BenchmarkTrainStep(b *testing.B) {
	for _, prec := range []nn.Precision{nn.F32, nn.BF16} {
		b.Run(string(prec), func(b *testing.B) {
			for _, act := range []nn.Activation{nn.GeLU, nn.SwiGLU} {
				b.Run(string(act), func(b *testing.B) { benchTrainStep(b, prec, act) })
			}
		})
	}
}

// benchTrainStep times one training step of the 30M model in precision prec.
func benchTrainStep(b *testing.B, prec nn.Precision, act nn.Activation) {
	dev := gpuB(b)
	cfg, err := nn.ForParams(trainTarget, trainVocab, trainSeq, act)
	require.NoError(b, err)
	b.Logf("config %+v: N = %d non-embedding parameters, batch %d×%d", cfg, cfg.Params().NonEmbedding, trainBatch, trainSeq)
	m, err := nn.NewWithPrecision(dev, cfg, 1, prec)
	require.NoError(b, err)
	defer m.Free()
	var ps []optim.Param
	for _, p := range m.Params() {
		ps = append(ps, optim.Param{Name: p.Name, T: p.T, Master: p.Master, Decay: p.Decay})
	}
	opt, err := optim.NewAdamW(dev, ps, optim.Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: 1})
	require.NoError(b, err)
	defer opt.Free()
	rng := rand.New(rand.NewPCG(1, 2))
	ids, tg := batch(rng, trainBatch, trainSeq, trainVocab)
	idT, err := tensor.FromInt32(dev, ids, trainBatch, trainSeq)
	require.NoError(b, err)
	tgT, err := tensor.FromInt32(dev, tg, trainBatch, trainSeq)
	require.NoError(b, err)
	g := tensor.NewGraph(dev)
	step := func() {
		g.Reset()
		require.NoError(b, m.ZeroGrad())
		loss, err := m.Loss(g, idT, tgT, 1)
		require.NoError(b, err)
		require.NoError(b, loss.Backward())
		_, err = opt.Step(1e-4) // reads the gradient norm back: one sync per step
		require.NoError(b, err)
	}
	for i := 0; i < 3; i++ {
		step()
	}
	allocs := dev.MemStats().SystemAllocs
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
	require.NoError(b, dev.Sync())
	b.StopTimer()
	g.Reset()
	require.Equal(b, allocs, dev.MemStats().SystemAllocs, "a training step must not reach cuMemAlloc after the first")
	sec := b.Elapsed().Seconds() / float64(b.N)
	tokens := float64(trainBatch * trainSeq)
	b.ReportMetric(tokens/sec, "tokens/s")
	b.ReportMetric(tokens*cfg.FLOPsPerToken()/sec/1e12, "model_TFLOP/s")
	b.ReportMetric(tokens*cfg.FLOPsPerToken()/sec/h100BF16Pk, "MFU_vs_bf16_peak")
}
