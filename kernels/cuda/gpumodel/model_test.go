package gpumodel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/kernels/cuda"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tolerances, float32 on both devices: the two differ only in summation
// order (cuBLASLt's blocking, warp reductions) and in libm vs CUDA's
// expf/tanhf, so the loss agrees to ~1e-6 relative and each gradient to
// ~1e-4 in relative L2 norm; the bounds leave a 10x margin.
const (
	lossTol = 1e-5
	gradTol = 1e-3
	// After 100 AdamW steps the rounding differences have been amplified by
	// the training dynamics; the curves must still agree to 1%.
	curveTol = 1e-2
)

func config(act nn.Activation) nn.Config {
	return nn.Config{Layers: 2, Width: 128, Heads: 2, Vocab: 512, SeqLen: 64, Activation: act}
}

// batch returns ids and next-token targets of a sequence with structure
// (a noisy counting pattern), so training has something to learn.
func batch(rng *rand.Rand, b, t, vocab int) ([]int32, []int32) {
	ids := make([]int32, b*t)
	tg := make([]int32, b*t)
	for i := 0; i < b; i++ {
		start := rng.IntN(vocab)
		for j := 0; j < t; j++ {
			v := (start + j*3) % vocab
			if rng.IntN(10) == 0 {
				v = rng.IntN(vocab)
			}
			ids[i*t+j] = int32(v)
			tg[i*t+j] = int32((v + 3) % vocab)
		}
	}
	return ids, tg
}

type run struct {
	dev   tensor.Device
	model *nn.Model
}

func newRun(t *testing.T, dev tensor.Device, cfg nn.Config) *run {
	m, err := nn.New(dev, cfg, 42)
	require.NoError(t, err)
	t.Cleanup(m.Free)
	return &run{dev: dev, model: m}
}

// lossAndGrads runs one forward and backward pass and returns the loss and
// every parameter's gradient.
func (r *run) lossAndGrads(t *testing.T, ids, tg []int32, b, tl int) (float32, [][]float32) {
	g := tensor.NewGraph(r.dev)
	defer g.Reset()
	require.NoError(t, r.model.ZeroGrad())
	idT, err := tensor.FromInt32(r.dev, ids, b, tl)
	require.NoError(t, err)
	defer idT.Free()
	tgT, err := tensor.FromInt32(r.dev, tg, b, tl)
	require.NoError(t, err)
	defer tgT.Free()
	loss, err := r.model.Loss(g, idT, tgT, 1)
	require.NoError(t, err)
	lv, err := loss.Item()
	require.NoError(t, err)
	require.NoError(t, loss.Backward())
	var grads [][]float32
	for _, p := range r.model.Params() {
		v, err := p.T.Grad.Float32s()
		require.NoError(t, err)
		grads = append(grads, v)
	}
	return lv, grads
}

func relErr(got, want []float32) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

func gpu(t *testing.T) *cuda.Device { return gpuB(t) }

// gpuB opens CUDA device 0 for a test or benchmark, or skips.
func gpuB(t testing.TB) *cuda.Device {
	t.Helper()
	if !cuda.Available() {
		t.Skipf("no CUDA device: %s", cuda.UnavailableReason())
	}
	d, err := cuda.New(0)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, d.Close()) })
	return d
}

func TestLossAndGradientsMatchCPU(t *testing.T) {
	compareGrads(t, cpu.New(), gpu(t))
}

// The comparison itself runs without a GPU, CPU against CPU (where it
// must agree exactly), so CI catches a broken harness.
func TestHarnessOnCPU(t *testing.T) {
	compareGrads(t, cpu.New(), cpu.New())
	compareCurves(t, cpu.New(), cpu.New(), 30)
}

func compareGrads(t *testing.T, ref, dev tensor.Device) {
	for _, act := range []nn.Activation{nn.GeLU, nn.SwiGLU} {
		t.Run(string(act), func(t *testing.T) {
			cfg := config(act)
			const b = 4
			ids, tg := batch(rand.New(rand.NewPCG(3, 4)), b, cfg.SeqLen, cfg.Vocab)
			cpuRun, gpuRun := newRun(t, ref, cfg), newRun(t, dev, cfg)
			lc, gc := cpuRun.lossAndGrads(t, ids, tg, b, cfg.SeqLen)
			lg, gg := gpuRun.lossAndGrads(t, ids, tg, b, cfg.SeqLen)
			assert.InDelta(t, lc, lg, lossTol*math.Abs(float64(lc)), "loss CPU %v GPU %v", lc, lg)
			for i, p := range cpuRun.model.Params() {
				e := relErr(gg[i], gc[i])
				assert.LessOrEqualf(t, e, gradTol, "gradient of %s: relative L2 error %.3g", p.Name, e)
			}
		})
	}
}

func TestTrainingCurveFollowsCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("100 training steps on two devices")
	}
	compareCurves(t, cpu.New(), gpu(t), 100)
}

func compareCurves(t *testing.T, ref, dev tensor.Device, steps int) {
	for _, act := range []nn.Activation{nn.GeLU, nn.SwiGLU} {
		t.Run(string(act), func(t *testing.T) {
			cfg := config(act)
			const b = 4
			curves := map[string][]float32{}
			for name, dev := range map[string]tensor.Device{"ref": ref, "dev": dev} {
				r := newRun(t, dev, cfg)
				var ps []optim.Param
				for _, p := range r.model.Params() {
					ps = append(ps, optim.Param{Name: p.Name, T: p.T, Decay: p.Decay})
				}
				opt, err := optim.NewAdamW(dev, ps, optim.Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: 1})
				require.NoError(t, err)
				rng := rand.New(rand.NewPCG(5, 6))
				for s := 0; s < steps; s++ {
					ids, tg := batch(rng, b, cfg.SeqLen, cfg.Vocab)
					l, _ := r.lossAndGrads(t, ids, tg, b, cfg.SeqLen)
					curves[name] = append(curves[name], l)
					_, err := opt.Step(3e-3)
					require.NoError(t, err)
				}
				opt.Free()
			}
			c, g := curves["ref"], curves["dev"]
			require.Less(t, c[steps-1], c[0]*0.8, "the reference run did not learn; the comparison would be empty")
			for s := range c {
				assert.InDeltaf(t, c[s], g[s], curveTol*float64(c[s]), "step %d: reference %v device %v", s, c[s], g[s])
			}
			t.Log(fmt.Sprintf("loss step 0: reference %.4f device %.4f; step %d: reference %.4f device %.4f", c[0], g[0], steps-1, c[steps-1], g[steps-1]))
		})
	}
}
