package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/internal/cli"
	"github.com/empirical-scaling/harness/kernels/cuda"
)

func TestBadFlagsEndWithOneLine(t *testing.T) {
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "ro")
	require.NoError(t, os.Mkdir(readOnly, 0o555))
	aFile := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(aFile, nil, 0o644))
	base := []string{"-params", "100K", "-activation", "gelu", "-data", "synthetic", "-ctx", "64"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	cases := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"unknown activation", []string{"-params", "100K", "-activation", "relu", "-data", "synthetic", "-out", dir}, "unknown activation", cli.ExitUsage},
		{"N too small for the context", []string{"-params", "20K", "-activation", "gelu", "-data", "synthetic", "-ctx", "4096", "-out", dir}, "too small for a context", cli.ExitUsage},
		{"N below every shape", []string{"-params", "300", "-activation", "gelu", "-data", "synthetic", "-out", dir}, "parameter count too small", cli.ExitUsage},
		{"N beyond every shape", []string{"-params", "999B", "-activation", "gelu", "-data", "synthetic", "-out", dir}, "parameter count too large", cli.ExitUsage},
		{"missing data", with("-data", filepath.Join(dir, "no-such.txt"), "-out", dir), "no such file", cli.ExitUsage},
		{"bad synthetic knob", with("-data", "synthetic:zipf=0.8", "-out", dir), "want more than 1", cli.ExitUsage},
		{"unknown synthetic knob", with("-data", "synthetic:depth=3", "-out", dir), "unknown knob", cli.ExitUsage},
		{"missing -params", []string{"-activation", "gelu", "-data", "synthetic", "-out", dir}, "-params is required", cli.ExitUsage},
		{"missing -out", with(), "-out is required", cli.ExitUsage},
		{"bad count", with("-tokens", "lots", "-out", dir), "not a count", cli.ExitUsage},
		{"explicit zero tokens", with("-tokens", "0", "-out", dir), "-tokens 0: want a positive count", cli.ExitUsage},
		{"explicit zero params", []string{"-params", "0", "-activation", "gelu", "-data", "synthetic", "-out", dir}, "-params 0", cli.ExitUsage},
		{"explicit zero batch", with("-batch", "0", "-out", dir), "-batch 0", cli.ExitUsage},
		{"explicit zero lr", with("-lr", "0", "-out", dir), "-lr 0", cli.ExitUsage},
		{"explicit zero eval-every", with("-eval-every", "0", "-out", dir), "-eval-every 0", cli.ExitUsage},
		{"explicit zero warmup", with("-warmup", "0", "-out", dir), "or -1 for none", cli.ExitUsage},
		{"explicit zero vocab", with("-vocab", "0", "-out", dir), "-vocab 0", cli.ExitUsage},
		{"unknown flag", with("-bogus", "-out", dir), "flag provided but not defined", cli.ExitUsage},
		{"bad device", with("-device", "tpu", "-out", dir), "want cpu, cuda, cuda:N or auto", cli.ExitUsage},
		{"micro does not divide batch", with("-batch", "8", "-micro", "3", "-out", dir), "must divide", cli.ExitUsage},
		{"stray argument", with("-out", dir, "extra"), "unexpected argument", cli.ExitUsage},
		{"unwritable DIR", with("-out", filepath.Join(readOnly, "run")), "ro", cli.ExitFailed},
		{"DIR under a file", with("-out", filepath.Join(aFile, "run")), "not a directory", cli.ExitFailed},
		{"cuda without a GPU", with("-device", "cuda", "-out", dir), "-device cuda", cli.ExitUsage},
		{"unknown precision", with("-precision", "fp8", "-out", dir), "unknown precision", cli.ExitUsage},
		{"bf16 on the CPU", with("-device", "cpu", "-precision", "bf16", "-out", dir), "-precision: nn: precision bf16 needs a device that computes in bfloat16", cli.ExitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "unwritable DIR" && (os.Geteuid() == 0 || runtime.GOOS == "windows") {
				t.Skip("root or Windows ignores the read-only permission bits")
			}
			if tc.name == "cuda without a GPU" && cuda.Available() {
				t.Skip("a GPU is present")
			}
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			assert.Equal(t, tc.code, code)
			msg := stderr.String()
			assert.Equal(t, 1, strings.Count(msg, "\n"), "exactly one line: %q", msg)
			assert.True(t, strings.HasPrefix(msg, "train: "), msg)
			assert.Contains(t, msg, tc.want)
			assert.NotContains(t, msg, "goroutine", "no stack trace")
			assert.NotContains(t, stdout.String(), "val loss")
		})
	}
}

func TestParseCount(t *testing.T) {
	cases := map[string]int64{"100000": 100000, "100K": 100_000, "3M": 3_000_000, "2.5k": 2500, "1e6": 1_000_000, "1.5B": 1_500_000_000}
	for in, want := range cases {
		got, err := parseCount(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "x", "-5", "3Q", "NaN"} {
		_, err := parseCount(bad)
		assert.Error(t, err, bad)
	}
}

func TestHelpExitsZero(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, cli.ExitOK, run([]string{"-h"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "usage: train")
	assert.Contains(t, stderr.String(), "-activation")
}

// smallCorpus writes a local text file for end-to-end runs.
func smallCorpus(t *testing.T, dir string) string {
	text := filepath.Join(dir, "corpus.txt")
	var b strings.Builder
	for i := 0; b.Len() < 300_000; i++ {
		b.WriteString("Once upon a time there was a little cat. The cat liked to play with a red ball. ")
		b.WriteString("One day the ball rolled away and the cat ran after it. <|endoftext|>\n")
	}
	require.NoError(t, os.WriteFile(text, []byte(b.String()), 0o644))
	return text
}

// TestTrainEndToEnd runs the command on a small local text file and checks
// every output file is there, then that a rerun reports the finished run.
func TestTrainEndToEnd(t *testing.T) {
	dir := t.TempDir()
	text := smallCorpus(t, dir)
	out := filepath.Join(dir, "run")
	args := []string{"-params", "20K", "-activation", "swiglu", "-data", text, "-vocab", "300", "-cache", filepath.Join(dir, "cache"),
		"-ctx", "32", "-batch", "8", "-tokens", "6K", "-eval-tokens", "1024", "-device", "cpu", "-out", out}
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	require.Equal(t, cli.ExitOK, code, stderr.String())
	assert.Contains(t, stdout.String(), "swiglu (head dim 16, FFN hidden")
	assert.Contains(t, stdout.String(), "val loss     final")
	assert.Contains(t, stderr.String(), "tok/s")
	for _, f := range []string{"config.json", "metrics.csv", "result.json"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	ev, _ := filepath.Glob(filepath.Join(out, "events.out.tfevents.*"))
	assert.Len(t, ev, 1)
	ck, _ := filepath.Glob(filepath.Join(out, "checkpoints", "step-*", "model.safetensors"))
	assert.Len(t, ck, 1)

	stdout.Reset()
	stderr.Reset()
	require.Equal(t, cli.ExitOK, run(args, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "already finished")

	// Other settings in the same folder are refused, in one line.
	stdout.Reset()
	stderr.Reset()
	assert.Equal(t, cli.ExitFailed, run(append(args, "-lr", "0.01"), &stdout, &stderr))
	assert.Contains(t, stderr.String(), "different run")
}

func TestTrainDivergedExitsNonZero(t *testing.T) {
	dir := t.TempDir()
	text := smallCorpus(t, dir)
	out := filepath.Join(dir, "run")
	args := []string{"-params", "20K", "-activation", "gelu", "-data", text, "-vocab", "300", "-cache", filepath.Join(dir, "cache"),
		"-ctx", "32", "-batch", "8", "-tokens", "6K", "-lr", "1e38", "-warmup", "-1", "-quiet", "-log", "error", "-device", "cpu", "-out", out}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, cli.ExitFailed, run(args, &stdout, &stderr))
	msg := stderr.String()
	assert.Equal(t, 1, strings.Count(msg, "\n"), "one line: %q", msg)
	assert.Contains(t, msg, "diverged")
	assert.NotContains(t, stdout.String(), "val loss", "no success summary")
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"status": "diverged"`)
}
