package experiment

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data/datatest"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
)

// TestMemoryEstimateMatchesTheCPUDevice trains one step of a few shapes
// on a fresh CPU device and compares the estimate (less its workspace
// allowance) with the bytes the device's allocator holds afterwards.
func TestMemoryEstimateMatchesTheCPUDevice(t *testing.T) {
	for _, tc := range []struct {
		m     nn.Config
		micro int
	}{
		{nn.Config{Layers: 2, Width: 64, Heads: 4, Vocab: 512, SeqLen: 64, Activation: nn.GeLU}, 8},
		{nn.Config{Layers: 4, Width: 128, Heads: 8, Vocab: 1024, SeqLen: 128, Activation: nn.SwiGLU}, 4},
		{nn.Config{Layers: 1, Width: 256, Heads: 4, Vocab: 4096, SeqLen: 32, Activation: nn.GeLU}, 16},
	} {
		t.Run(tc.m.String(), func(t *testing.T) {
			dev := cpu.New()
			model, err := nn.New(dev, tc.m, 1)
			require.NoError(t, err)
			defer model.Free()
			var params []optim.Param
			for _, q := range model.Params() {
				params = append(params, optim.Param{Name: q.Name, T: q.T, Decay: q.Decay})
			}
			opt, err := optim.NewAdamW(dev, params, optim.DefaultsFor(1e6).Hyper)
			require.NoError(t, err)
			defer opt.Free()
			n := tc.micro * tc.m.SeqLen
			in := make([]int32, n)
			for i := range in {
				in[i] = int32(i % tc.m.Vocab)
			}
			ids, err := tensor.FromInt32(dev, in, tc.micro, tc.m.SeqLen)
			require.NoError(t, err)
			g := tensor.NewGraph(dev)
			require.NoError(t, model.ZeroGrad())
			l, err := model.Loss(g, ids, ids, 1)
			require.NoError(t, err)
			require.NoError(t, g.Backward(l))
			_, err = opt.Step(1e-3)
			require.NoError(t, err)
			held := dev.MemStats().ReservedBytes
			est := EstimateMemory(tc.m, tc.micro, nn.F32)
			counted := est.Total() - est.Workspace
			t.Logf("%s micro %d: estimate %s (without workspace %s), device holds %s, ratio %.2f", tc.m, tc.micro, est, Bytes(counted), Bytes(held), float64(counted)/float64(held))
			assert.InEpsilon(t, float64(held), float64(counted), 0.1, "estimate within 10%% of what the device holds")
			assert.GreaterOrEqual(t, est.Total(), held, "with its workspace allowance the estimate is not below what is used")
		})
	}
}

// TestRunRefusesWhatDoesNotFit gives the device less memory than the run
// needs: Run refuses before allocating, in one line naming both figures
// and what to change, and writes nothing into the run folder.
func TestRunRefusesWhatDoesNotFit(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	c := tinyRun(t, out, train, val)
	est := EstimateMemory(nn.Config{Layers: 2, Width: 32, Heads: 2, Vocab: train.VocabSize(), SeqLen: 32, Activation: nn.GeLU}, 8, nn.F32)
	old := availableMemory
	t.Cleanup(func() { availableMemory = old })
	availableMemory = func(tensor.Device) (int64, string, bool) { return est.Total() - 1, "available host memory", true }
	_, err := Run(context.Background(), c)
	require.ErrorIs(t, err, ErrNotEnoughMemory)
	msg := err.Error()
	assert.NotContains(t, msg, "\n")
	assert.Contains(t, msg, "needs about "+Bytes(est.Total()))
	assert.Contains(t, msg, "has "+Bytes(est.Total()-1)+" available host memory")
	assert.Contains(t, msg, "smaller -micro")
	assert.NoFileExists(t, filepath.Join(out, ConfigFile))

	availableMemory = func(tensor.Device) (int64, string, bool) { return est.Total(), "available host memory", true }
	var plan strings.Builder
	c.Announce = &plan
	_, err = Run(context.Background(), c)
	require.NoError(t, err, "exactly enough is enough")
	assert.Contains(t, plan.String(), "memory       about "+Bytes(est.Total())+" (weights")
}

// TestDryRunRefusesWhatDoesNotFit: a dry run does not time (allocate) a
// shape that does not fit; it names the run and both figures.
func TestDryRunRefusesWhatDoesNotFit(t *testing.T) {
	c, _ := sweepCfg(t, t.TempDir(), t.TempDir(), nn.GeLU)
	old := availableMemory
	t.Cleanup(func() { availableMemory = old })
	availableMemory = func(tensor.Device) (int64, string, bool) { return 1 << 20, "available host memory", true }
	_, err := DryRun(context.Background(), c)
	require.ErrorIs(t, err, ErrNotEnoughMemory)
	assert.Contains(t, err.Error(), "but cpu has 1 MB available host memory")
}
