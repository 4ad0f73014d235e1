package experiment

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
)

// A write killed inside a complete checkpoint folder (a resumed run
// checkpointing its first step again rewrites that folder in place)
// leaves a temporary file there; the next checkpoint removes it from
// every folder it keeps, whether it rewrites the folder or keeps it as
// the fallback.
func TestCheckpointRemovesLeftoversInKeptFolders(t *testing.T) {
	cfg := nn.Config{Layers: 1, Width: 16, Heads: 2, Vocab: 20, SeqLen: 4, Activation: nn.GeLU}
	ps, opt := checkpointModel(t, cpu.New(), cfg, 1, nn.F32)

	out := t.TempDir()
	stray := func(step int) string {
		p := filepath.Join(stepDir(out, step), ".model.safetensors.tmp123456")
		require.NoError(t, os.WriteFile(p, []byte("half a write"), 0o600))
		return p
	}
	require.NoError(t, saveCheckpoint(out, ps, opt, ckptState{Step: 3, OptSteps: 3}, nil))
	again := stray(3)
	require.NoError(t, saveCheckpoint(out, ps, opt, ckptState{Step: 3, OptSteps: 3}, nil))
	assert.NoFileExists(t, again, "rewritten in place")

	fallback := stray(3)
	require.NoError(t, saveCheckpoint(out, ps, opt, ckptState{Step: 5, OptSteps: 5}, nil))
	assert.DirExists(t, stepDir(out, 3), "step 3 is the fallback")
	assert.NoFileExists(t, fallback, "kept as the fallback")
	assert.FileExists(t, filepath.Join(stepDir(out, 3), "state.json"))
}

// checkpointModel is a model of cfg in precision prec and its AdamW, as a
// run hands them to saveCheckpoint and loadCheckpoint; both are freed when
// the test ends.
func checkpointModel(t *testing.T, dev tensor.Device, cfg nn.Config, seed uint64, prec nn.Precision) ([]optim.Param, *optim.AdamW) {
	t.Helper()
	m, err := nn.NewWithPrecision(dev, cfg, seed, prec)
	require.NoError(t, err)
	var ps []optim.Param
	for _, p := range m.Params() {
		ps = append(ps, optim.Param{Name: p.Name, T: p.T, Master: p.Master, Decay: p.Decay})
	}
	opt, err := optim.NewAdamW(dev, ps, optim.Hyper{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8})
	require.NoError(t, err)
	t.Cleanup(func() { opt.Free(); m.Free() })
	return ps, opt
}
