package experiment

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
)

func TestResolveDefaults(t *testing.T) {
	c := RunConfig{Params: 3_000_000, Activation: nn.GeLU, Device: cpu.New()}
	p, err := resolve(&c, 4096, 1<<24, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, 4, p.Model.Layers)
	assert.Equal(t, 256, p.Model.SeqLen)
	assert.Equal(t, 256, p.Batch, "65,536 tokens / 256")
	assert.Equal(t, 64, p.Micro, "16,384-token micro-batches on the CPU")
	stepTokens := int64(p.Batch * 256)
	assert.Equal(t, (20*p.Params+stepTokens-1)/stepTokens, int64(p.Steps))
	assert.Equal(t, int64(p.Steps)*stepTokens, p.Tokens)
	assert.InDelta(t, 1.2e-3, p.Schedule.MaxLR, 1e-12)
	assert.InDelta(t, 1.2e-4, p.Schedule.MinLR, 1e-12)
	assert.Equal(t, int(float64(p.Steps)*0.02+0.5), p.Schedule.Warmup)
	assert.Equal(t, 0.1, p.Hyper.WeightDecay)
	assert.Equal(t, 6*float64(p.Params)*float64(p.Tokens), p.Compute)
}

func TestResolveOverrides(t *testing.T) {
	wd, clip := 0.0, 0.5
	c := RunConfig{Params: 100_000, Activation: nn.SwiGLU, Device: cpu.New(), SeqLen: 64, Batch: 12, Micro: 4,
		Tokens: 64 * 12 * 10, LR: 1e-2, MinLRRatio: MinLRZero, Warmup: -1, WeightDecay: &wd, ClipNorm: &clip, ExactFLOPs: true, EvalEvery: 3}
	p, err := resolve(&c, 512, 100_000, 10_000)
	require.NoError(t, err)
	assert.Equal(t, 10, p.Steps)
	assert.Equal(t, 4, p.Micro)
	assert.Equal(t, 0.0, p.Schedule.MinLR)
	assert.Equal(t, 0, p.Schedule.Warmup)
	assert.Equal(t, 0.0, p.Hyper.WeightDecay)
	assert.Equal(t, 0.5, p.Hyper.ClipNorm)
	assert.Equal(t, p.Model.FLOPsPerToken()*float64(p.Tokens), p.Compute)
	assert.Equal(t, 3, p.EvalEvery)
}

func TestResolveErrors(t *testing.T) {
	cases := map[string]RunConfig{
		"micro does not divide": {Params: 100_000, Activation: nn.GeLU, SeqLen: 64, Batch: 6, Micro: 4},
		"too small":             {Params: 100, Activation: nn.GeLU, SeqLen: 64},
		"bad activation":        {Params: 100_000, Activation: "relu", SeqLen: 64},
		"short data":            {Params: 100_000, Activation: nn.GeLU, SeqLen: 200_000},
	}
	for name, c := range cases {
		_, err := resolve(&c, 512, 100_000, 10_000)
		assert.Error(t, err, name)
	}
}

func TestDefaultMicro(t *testing.T) {
	assert.Equal(t, 64, defaultMicro(256, 256, cpu.New()))
	assert.Equal(t, 25, defaultMicro(100, 512, cpu.New())) // limit 32: the largest divisor of 100 below it is 25
	assert.Equal(t, 8, defaultMicro(8, 256, cpu.New()))
	assert.Equal(t, 1, defaultMicro(7, 4096, cpu.New()))
}

func TestResolveShortRunGetsSmallerBatches(t *testing.T) {
	c := RunConfig{Params: 3_000_000, Activation: nn.GeLU, Device: cpu.New(), SeqLen: 64, Tokens: 64_000}
	p, err := resolve(&c, 512, 1<<20, 1<<16)
	require.NoError(t, err)
	assert.Equal(t, 20, p.Batch, "64,000 tokens / (50 steps × 64)")
	assert.Equal(t, 50, p.Steps)
}
