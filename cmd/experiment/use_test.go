package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/internal/cli"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
)

// trainTiny trains a tiny run on the synthetic stories and returns its folder.
func trainTiny(t *testing.T, act nn.Activation) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run")
	_, err := experiment.Run(context.Background(), experiment.RunConfig{
		Shape: &nn.Config{Layers: 1, Width: 32, Heads: 2}, Activation: act, Seed: 3,
		Data: "synthetic", CacheDir: filepath.Join(t.TempDir(), "cache"), VocabSize: 300, SyntheticBytes: 256 << 10,
		SeqLen: 32, Batch: 4, Tokens: 12 * 4 * 32, LR: 3e-3, EvalTokens: 1024, FinalEvalTokens: 1024,
		Device: cpu.New(), Out: out,
	})
	require.NoError(t, err)
	return out
}

func TestSampleAndExportCommands(t *testing.T) {
	run := trainTiny(t, nn.GeLU)
	args := []string{"sample", "-run", run, "-prompt", "Once", "-tokens", "20", "-seed", "4", "-n", "2"}
	out1, stderr, err := runCmd(args...)
	require.NoError(t, err)
	out2, _, err := runCmd(args...)
	require.NoError(t, err)
	assert.Equal(t, out1, out2, "same seed, same text")
	assert.Equal(t, 2, strings.Count(out1, "Once"), "two samples, each after its prompt: %q", out1)
	assert.Contains(t, out1, experiment.SampleSeparator)
	assert.Contains(t, stderr, "checkpoint step 12")

	dir := filepath.Join(t.TempDir(), "hf")
	out, _, err := runCmd("export", "-run", run, "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, out, "exported")
	for _, f := range []string{"config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
}

func TestExportRefusesSwiGLU(t *testing.T) {
	run := trainTiny(t, nn.SwiGLU)
	_, _, err := runCmd("export", "-run", run, "-out", filepath.Join(t.TempDir(), "hf"))
	require.Error(t, err)
	assert.Equal(t, cli.ExitFailed, cli.ExitCode(err))
	assert.Contains(t, err.Error(), "SwiGLU")
	assert.NotContains(t, err.Error(), "\n")
}

func TestSampleAndExportMistakes(t *testing.T) {
	empty := t.TempDir()
	noCkpt := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(noCkpt, experiment.ConfigFile),
		[]byte(`{"model":{"layers":1,"width":8,"heads":1,"vocab":300,"seq_len":8,"activation":"gelu"}}`), 0o644))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no run", []string{"sample"}, cli.ExitUsage, "-run DIR is required"},
		{"zero temperature", []string{"sample", "-run", empty, "-temperature", "0"}, cli.ExitUsage, "-temperature 0"},
		{"negative top-k", []string{"sample", "-run", empty, "-top-k", "-1"}, cli.ExitUsage, "-top-k -1"},
		{"no tokens", []string{"sample", "-run", empty, "-tokens", "0"}, cli.ExitUsage, "-tokens 0"},
		{"no samples", []string{"sample", "-run", empty, "-n", "0"}, cli.ExitUsage, "-n 0"},
		{"bad device", []string{"sample", "-run", empty, "-device", "tpu"}, cli.ExitUsage, `-device "tpu"`},
		{"unknown flag", []string{"sample", "-bogus"}, cli.ExitUsage, "flag provided but not defined"},
		{"stray argument", []string{"export", "-run", empty, "-out", empty, "x"}, cli.ExitUsage, `unexpected argument "x"`},
		{"export without out", []string{"export", "-run", empty}, cli.ExitUsage, "-out DIR2 are required"},
		{"not a run", []string{"sample", "-run", empty}, cli.ExitFailed, "is not a run folder"},
		{"no checkpoint", []string{"sample", "-run", noCkpt}, cli.ExitFailed, "no checkpoint yet"},
		{"export no checkpoint", []string{"export", "-run", noCkpt, "-out", filepath.Join(empty, "x")}, cli.ExitFailed, "no checkpoint yet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(tc.args...)
			require.Error(t, err)
			assert.Equal(t, tc.code, cli.ExitCode(err), err.Error())
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestSampleHelp(t *testing.T) {
	for _, cmd := range []string{"sample", "export"} {
		out, _, err := runCmd(cmd, "-h")
		require.NoError(t, err)
		assert.Contains(t, out, "usage: experiment "+cmd)
		assert.Contains(t, out, "-run")
	}
}
