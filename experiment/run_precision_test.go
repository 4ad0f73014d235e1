package experiment

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data/datatest"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
)

// On the CPU, auto trains in f32 (config.json as before: no precision
// key) and bf16 is refused before any training with one error.
func TestRunPrecisionOnCPU(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)

	out := filepath.Join(t.TempDir(), "bf16")
	c := tinyRun(t, out, train, val)
	c.Precision = "bf16"
	_, err := Run(context.Background(), c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "precision bf16 needs a device that computes in bfloat16")
	_, statErr := os.Stat(filepath.Join(out, ConfigFile))
	assert.ErrorIs(t, statErr, os.ErrNotExist, "nothing written for a refused run")

	c = tinyRun(t, filepath.Join(t.TempDir(), "auto"), train, val)
	c.Precision = "auto"
	c.Tokens = 2 * 8 * 32
	var announce strings.Builder
	c.Announce = &announce
	_, err = Run(context.Background(), c)
	require.NoError(t, err)
	assert.Contains(t, announce.String(), "precision    f32\n")
	b, err := os.ReadFile(filepath.Join(c.Out, ConfigFile))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "precision", "an f32 run's config.json is unchanged")
}

// A mixed-precision checkpoint stores the fp32 master weights (a normal
// float32 safetensors file, not the bf16-rounded working copy) and resume
// restores the masters bit for bit and rounds them into the working copies.
func TestCheckpointStoresMasters(t *testing.T) {
	dev := cpu.New()
	cfg := nn.Config{Layers: 1, Width: 32, Heads: 2, Vocab: 40, SeqLen: 8, Activation: nn.GeLU}
	src, srcOpt := checkpointModel(t, dev, cfg, 5, nn.BF16)
	// Masters that bf16 cannot hold exactly, so a saved working copy would show.
	for i, p := range src {
		v := make([]float32, p.Master.Len())
		for j := range v {
			v[j] = 1 + float32(i*7+j)*1e-5
		}
		require.NoError(t, p.Master.CopyFrom(v))
	}
	require.NoError(t, srcOpt.SyncWorking())
	out := t.TempDir()
	require.NoError(t, saveCheckpoint(out, src, srcOpt, ckptState{Step: 3, OptSteps: 3}, nil))
	st, dir, ok, err := latestCheckpoint(out)
	require.NoError(t, err)
	require.True(t, ok)
	saved, _, err := ReadSafetensors(filepath.Join(dir, st.ModelFile))
	require.NoError(t, err)
	require.Len(t, saved, len(src))
	byName := map[string][]float32{}
	for _, s := range saved {
		byName[s.Name] = s.Data
	}
	for _, p := range src {
		want, err := p.Master.Float32s()
		require.NoError(t, err)
		require.Equal(t, -1, firstDiff(want, byName[p.Name]), "%s: the file holds the fp32 master", p.Name)
	}

	dst, dstOpt := checkpointModel(t, dev, cfg, 6, nn.BF16)
	require.NoError(t, loadCheckpoint(dir, st, dst, dstOpt))
	assert.Equal(t, 3, dstOpt.Steps())
	for i, p := range dst {
		want, err := src[i].Master.Float32s()
		require.NoError(t, err)
		got, err := p.Master.Float32s()
		require.NoError(t, err)
		require.Equal(t, -1, firstDiff(want, got), "%s: master restored", p.Name)
		r, err := tensor.FromFloat32As(dev, tensor.BFloat16, want, p.T.Shape()...)
		require.NoError(t, err)
		wantWork, err := r.Float32s()
		require.NoError(t, err)
		r.Free()
		work, err := p.T.Float32s()
		require.NoError(t, err)
		require.Equal(t, -1, firstDiff(wantWork, work), "%s: working copy restored from the master", p.Name)
		assert.NotEqual(t, -1, firstDiff(want, work), "%s: the working copy is rounded", p.Name)
	}
}

// firstDiff returns the first index where a and b differ bitwise (or the
// shorter length when only the lengths differ), -1 when they are equal.
func firstDiff(a, b []float32) int {
	for i := range min(len(a), len(b)) {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
