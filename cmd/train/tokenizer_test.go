package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/empirical-scaling/harness/internal/fixtures"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/internal/cli"
)

// -tokenizer gpt2 trains over GPT-2's 50,257 ids: the embedding grows, N
// (non-embedding) does not, and config.json records the choice.
func TestTrainWithGPT2Tokenizer(t *testing.T) {
	t.Setenv("HF_ENDPOINT", fixtures.GPT2Endpoint(t))
	dir := t.TempDir()
	text := smallCorpus(t, dir)
	common := []string{"-params", "20K", "-activation", "gelu", "-data", text, "-cache", filepath.Join(dir, "cache"),
		"-ctx", "32", "-batch", "8", "-tokens", "2K", "-eval-tokens", "256", "-final-eval-tokens", "256", "-quiet", "-device", "cpu"}
	var stdout, stderr bytes.Buffer
	require.Equal(t, cli.ExitOK, run(append(common, "-tokenizer", "gpt2", "-out", filepath.Join(dir, "gpt2")), &stdout, &stderr), stderr.String())
	stdout.Reset()
	require.Equal(t, cli.ExitOK, run(append(common, "-vocab", "300", "-out", filepath.Join(dir, "bpe")), &stdout, &stderr), stderr.String())

	read := func(run string) map[string]any {
		b, err := os.ReadFile(filepath.Join(dir, run, "config.json"))
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}
	g, b := read("gpt2"), read("bpe")
	assert.Equal(t, "gpt2", g["tokenizer"])
	assert.Nil(t, b["tokenizer"])
	assert.Equal(t, b["params"], g["params"], "N is non-embedding: the same")
	gm, bm := g["model"].(map[string]any), b["model"].(map[string]any)
	assert.EqualValues(t, 50257, gm["vocab"])
	d := gm["width"].(float64)
	assert.InDelta(t, (50257-bm["vocab"].(float64))*d, g["total_params"].(float64)-b["total_params"].(float64), 0.5, "only the embedding grows, by ΔV·d")
}

func TestTokenizerFlagErrors(t *testing.T) {
	dir := t.TempDir()
	base := []string{"-params", "100K", "-activation", "gelu", "-data", "synthetic", "-out", dir}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{[]string{"-tokenizer", "gpt3"}, `-tokenizer "gpt3": want gpt2`},
		{[]string{"-tokenizer", "gpt2", "-vocab", "4096"}, "leave -vocab out"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, cli.ExitUsage, run(append(append([]string{}, base...), tc.extra...), &stdout, &stderr))
		assert.Contains(t, stderr.String(), tc.want)
		assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line: %q", stderr.String())
	}
}
