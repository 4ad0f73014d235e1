package main

import (
	"path/filepath"
	"testing"

	"github.com/empirical-scaling/harness/internal/fixtures"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrepareGPT2Tokenizer(t *testing.T) {
	url := fixtures.GPT2Endpoint(t)
	cache := t.TempDir()
	out, _, err := runCmd("prepare", "-data", "synthetic", "-synthetic-size", "64KiB", "-tokenizer", "gpt2", "-hf-endpoint", url, "-cache", cache, "-quiet")
	require.NoError(t, err)
	assert.Contains(t, out, "tokenizer  50257 tokens")
	assert.Contains(t, out, "synthetic-gpt2-")
	assert.FileExists(t, filepath.Join(cache, "downloads", "gpt2", "vocab.json"))
}

func TestTokenizerFlagMistakes(t *testing.T) {
	_, _, err := runCmd("-tokenizer", "gpt3", "-dry-run")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-tokenizer "gpt3": want gpt2`)
	_, _, err = runCmd("prepare", "-tokenizer", filepath.Join(t.TempDir(), "none"), "-cache", t.TempDir(), "-quiet")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "vocab.json")
}
