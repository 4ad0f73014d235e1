package cuda

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data/datatest"
	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/nn"
)

// metricsColumns reads metrics.csv without the wall-clock columns
// (tokens/s, elapsed), which differ between two runs of the same training.
func metricsColumns(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, experiment.MetricsFile))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	for i := range recs {
		recs[i] = recs[i][:6] // step, tokens, lr, train_loss, val_loss, grad_norm
	}
	return recs
}

// A whole bf16 run through experiment.Run on the emulated CUDA device:
// auto picks bf16 there (and config.json says so), the folder refuses an
// f32 continuation with a message naming both precisions, and a run interrupted
// and resumed from its checkpoint (fp32 masters, rounded back into the
// bf16 working copies) reproduces the uninterrupted run's metrics exactly.
func TestBF16RunResumesOnEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("three short training runs on the kernel emulator")
	}
	emu := newEmuDevice(t)
	assert.True(t, nn.SupportsBF16(emu))
	train, val, _ := datatest.ByteShards(t, 20_000, 4_000)
	cfg := func(out string) experiment.RunConfig {
		return experiment.RunConfig{
			Shape: &nn.Config{Layers: 1, Width: 64, Heads: 2}, Activation: nn.GeLU, Seed: 3,
			Train: train, Val: val, Precision: "auto",
			SeqLen: 16, Batch: 2, Tokens: 8 * 2 * 16,
			LR: 3e-3, EvalEvery: 4, EvalTokens: 64, FinalEvalTokens: 128,
			Device: emu, Out: out,
		}
	}
	ref := filepath.Join(t.TempDir(), "ref")
	res, err := experiment.Run(context.Background(), cfg(ref))
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusFinished, res.Status)
	b, err := os.ReadFile(filepath.Join(ref, experiment.ConfigFile))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"precision": "bf16"`)
	f32 := cfg(ref)
	f32.Precision = "f32"
	_, err = experiment.Run(context.Background(), f32)
	require.ErrorIs(t, err, experiment.ErrConfigChanged)
	assert.Contains(t, err.Error(), "was trained in bf16 and this command asks for f32; pass -precision bf16")

	out := filepath.Join(t.TempDir(), "resumed")
	ctx, cancel := context.WithCancel(context.Background())
	c := cfg(out)
	c.OnStep = func(p experiment.Progress) {
		if p.Step == 3 {
			cancel()
		}
	}
	_, err = experiment.Run(ctx, c)
	cancel()
	require.ErrorIs(t, err, context.Canceled)
	res, err = experiment.Run(context.Background(), cfg(out))
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusFinished, res.Status)
	want, got := metricsColumns(t, ref), metricsColumns(t, out)
	require.Len(t, want, 9, "header and 8 steps")
	assert.Equal(t, want, got, "the resumed bf16 run repeats the uninterrupted one")
}
