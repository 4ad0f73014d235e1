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

// Tolerances of the bf16 mixed-precision run against the CPU float32
// reference. bf16 rounds every activation and gradient to 8 significant
// bits (2⁻⁹ ≈ 0.2% relative). A one-off run of compareGrads' model and
// batch (L2 d128, both activations) on the emulated CUDA device (the
// kernels' own source on the CPU, fallback GEMM instead of cuBLASLt, the
// flash kernels for attention) gave a loss within 3.8e-5 relative and
// gradients within 9.2e-3 relative L2 (ln_2.weight, swiglu; the others
// 3e-3 to 8e-3): the bounds leave 50x and 5x. The curve bound over 100
// steps has not been measured on a GPU yet: it is a first guess, 3x the
// f32 one.
const (
	bf16LossTol  = 2e-3
	bf16GradTol  = 5e-2
	bf16CurveTol = 3e-2
)

// precisions lists the two training precisions with their tolerances.
var precisions = []struct {
	prec                    nn.Precision
	lossTol, gradTol, curve float64
}{
	{nn.F32, lossTol, gradTol, curveTol},
	{nn.BF16, bf16LossTol, bf16GradTol, bf16CurveTol},
}

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

// newRun builds the model on dev in precision prec (f32 or bf16 with
// fp32 master weights).
func newRun(t *testing.T, dev tensor.Device, cfg nn.Config, prec nn.Precision) *run {
	m, err := nn.NewWithPrecision(dev, cfg, 42, prec)
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
		reason := "no CUDA device: " + cuda.UnavailableReason()
		if b, ok := t.(*testing.B); ok {
			fmt.Printf("%s skipped: %s\n", b.Name(), reason) // go test shows benchmark skips only under -v
		}
		t.Skip(reason)
	}
	d, err := cuda.New(0, cuda.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, d.Close()) })
	return d
}

// The CUDA device in f32 and in bf16 mixed precision against the CPU in f32.
func TestLossAndGradientsMatchCPU(t *testing.T) {
	dev := gpu(t)
	for _, p := range precisions {
		t.Run(string(p.prec), func(t *testing.T) {
			compareGrads(t, cpu.New(), dev, p.prec, p.lossTol, p.gradTol)
		})
	}
}

// The comparison itself runs without a GPU, CPU against CPU (where it
// must agree exactly), so CI catches a broken harness.
func TestHarnessOnCPU(t *testing.T) {
	compareGrads(t, cpu.New(), cpu.New(), nn.F32, lossTol, gradTol)
	compareCurves(t, cpu.New(), cpu.New(), nn.F32, curveTol, 30)
}

// compareGrads checks one forward and backward pass of the model in
// precision prec on dev against the f32 model on ref.
func compareGrads(t *testing.T, ref, dev tensor.Device, prec nn.Precision, lTol, gTol float64) {
	for _, act := range []nn.Activation{nn.GeLU, nn.SwiGLU} {
		t.Run(string(act), func(t *testing.T) {
			cfg := config(act)
			const b = 4
			ids, tg := batch(rand.New(rand.NewPCG(3, 4)), b, cfg.SeqLen, cfg.Vocab)
			cpuRun, gpuRun := newRun(t, ref, cfg, nn.F32), newRun(t, dev, cfg, prec)
			lc, gc := cpuRun.lossAndGrads(t, ids, tg, b, cfg.SeqLen)
			lg, gg := gpuRun.lossAndGrads(t, ids, tg, b, cfg.SeqLen)
			assert.InDelta(t, lc, lg, lTol*math.Abs(float64(lc)), "loss CPU %v GPU %v", lc, lg)
			for i, p := range cpuRun.model.Params() {
				e := relErr(gg[i], gc[i])
				assert.LessOrEqualf(t, e, gTol, "gradient of %s: relative L2 error %.3g", p.Name, e)
			}
		})
	}
}

func TestTrainingCurveFollowsCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("100 training steps on two devices")
	}
	dev := gpu(t)
	for _, p := range precisions {
		t.Run(string(p.prec), func(t *testing.T) {
			compareCurves(t, cpu.New(), dev, p.prec, p.curve, 100)
		})
	}
}

// compareCurves trains the f32 model on ref and the model in precision
// prec on dev for steps AdamW steps on the same batches and checks that
// the loss curves agree within tol (relative).
func compareCurves(t *testing.T, ref, dev tensor.Device, prec nn.Precision, tol float64, steps int) {
	for _, act := range []nn.Activation{nn.GeLU, nn.SwiGLU} {
		t.Run(string(act), func(t *testing.T) {
			cfg := config(act)
			const b = 4
			curves := map[string][]float32{}
			for name, dev := range map[string]tensor.Device{"ref": ref, "dev": dev} {
				pr := nn.F32
				if name == "dev" {
					pr = prec
				}
				r := newRun(t, dev, cfg, pr)
				var ps []optim.Param
				for _, p := range r.model.Params() {
					ps = append(ps, optim.Param{Name: p.Name, T: p.T, Master: p.Master, Decay: p.Decay})
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
				assert.InDeltaf(t, c[s], g[s], tol*float64(c[s]), "step %d: reference %v device %v", s, c[s], g[s])
			}
			t.Logf("loss step 0: reference %.4f device %.4f; step %d: reference %.4f device %.4f", c[0], g[0], steps-1, c[steps-1], g[steps-1])
		})
	}
}
