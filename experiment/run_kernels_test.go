package experiment

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data/datatest"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/tensor"
)

// pathDevice is the CPU device reporting another kernel path, as a GPU
// opened with other switches would.
type pathDevice struct {
	*cpu.Device
	path tensor.KernelPath
}

func (d pathDevice) KernelPath(tensor.DType, int) tensor.KernelPath { return d.path }

var (
	cublasFlash = tensor.KernelPath{MatMul: tensor.MatMulCublasLt, Attention: tensor.AttentionFlash, AttentionBackward: tensor.BackwardDeterministic}
	cpuPath     = tensor.KernelPath{MatMul: tensor.MatMulCPU, Attention: tensor.AttentionCPU, AttentionBackward: tensor.BackwardDeterministic}
)

// A run records its kernel path in config.json and describes it; a rerun
// in the same folder on a device that runs other kernels is refused with
// both paths and the flags that select the recorded one, and nothing of the
// first run is lost.
func TestRunRecordsAndChecksTheKernelPath(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	c := tinyRun(t, out, train, val)
	c.Tokens = 2 * 8 * 32
	var announce strings.Builder
	c.Announce = &announce
	_, err := Run(context.Background(), c)
	require.NoError(t, err)
	assert.Contains(t, announce.String(), "kernels      matmul cpu-sgemm, attention cpu-blocked, attention backward deterministic\n")
	cfg, err := os.ReadFile(filepath.Join(out, ConfigFile))
	require.NoError(t, err)
	var p plan
	require.NoError(t, json.Unmarshal(cfg, &p))
	require.NotNil(t, p.Kernels)
	assert.Equal(t, cpuPath, *p.Kernels)

	other := tinyRun(t, out, train, val)
	other.Tokens = c.Tokens
	other.Device = pathDevice{cpu.New(), cublasFlash}
	_, err = Run(context.Background(), other)
	require.ErrorIs(t, err, ErrConfigChanged)
	assert.Contains(t, err.Error(), "was trained with kernels (matmul cpu-sgemm, attention cpu-blocked, attention backward deterministic) "+
		"and this device runs (matmul cublaslt, attention flash, attention backward deterministic); pass -device cpu to continue it")
	after, err := os.ReadFile(filepath.Join(out, ConfigFile))
	require.NoError(t, err)
	assert.Equal(t, cfg, after, "the refused rerun left config.json alone")

	// The same path on another device object continues (here: finds the run finished).
	same := tinyRun(t, out, train, val)
	same.Tokens = c.Tokens
	same.Device = pathDevice{cpu.New(), cpuPath}
	_, err = Run(context.Background(), same)
	require.NoError(t, err)
}

// A config.json written before kernel paths were recorded resumes on any
// path, and is then rewritten with the path.
func TestRunAcceptsAConfigWithoutKernels(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	c := tinyRun(t, out, train, val)
	c.Tokens = 2 * 8 * 32
	_, err := Run(context.Background(), c)
	require.NoError(t, err)
	path := filepath.Join(out, ConfigFile)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	delete(m, "kernels")
	old, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, old, 0o644))

	again := tinyRun(t, out, train, val)
	again.Tokens = c.Tokens
	_, err = Run(context.Background(), again)
	require.NoError(t, err)
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"kernels"`)
}

func TestKernelFlags(t *testing.T) {
	plain := tensor.KernelPath{MatMul: tensor.MatMulFallback, Attention: tensor.AttentionPlain, AttentionBackward: tensor.BackwardDeterministic}
	atomic := tensor.KernelPath{MatMul: tensor.MatMulCublasLt, Attention: tensor.AttentionFlash, AttentionBackward: tensor.BackwardAtomicDQ}
	tests := []struct {
		name      string
		was, now  tensor.KernelPath
		precision string
		want      string
	}{
		{"to the plain kernels", plain, cublasFlash, "bf16", "pass -no-cublaslt -no-flash"},
		{"back to cuBLASLt and flash in bf16", cublasFlash, plain, "bf16",
			"leave out -no-cublaslt (cuBLASLt is found through CUDA_HOME or LD_LIBRARY_PATH) -no-flash"},
		{"back to flash in f32", cublasFlash, plain, "", "pass -flash-f32 and leave out -no-cublaslt (cuBLASLt is found through CUDA_HOME or LD_LIBRARY_PATH) -no-flash"},
		{"atomic dQ", atomic, cublasFlash, "bf16", "pass -flash-atomic-dq"},
		{"deterministic dQ", cublasFlash, atomic, "bf16", "leave out -flash-atomic-dq"},
		{"from a GPU to the CPU", cublasFlash, cpuPath, "", "pass -device cuda"},
		{"from the CPU to a GPU", cpuPath, plain, "", "pass -device cpu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, kernelFlags(tt.was, tt.now, tt.precision))
			err := checkKernels("x/config.json", &tt.was, &tt.now, tt.precision)
			require.ErrorIs(t, err, ErrConfigChanged)
			assert.Contains(t, err.Error(), "was trained with kernels ("+tt.was.String()+") and this device runs ("+tt.now.String()+"); "+tt.want)
		})
	}
	assert.NoError(t, checkKernels("x", nil, &plain, ""), "a config without kernels")
	assert.NoError(t, checkKernels("x", &plain, nil, ""), "a device that reports none")
	assert.NoError(t, checkKernels("x", &plain, &plain, ""))
}
