package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/empirical-scaling/harness/data/download"
)

// TokenizerGPT2 is the Options.Tokenizer value that loads GPT-2's own
// tokenizer (openai-community/gpt2 on the Hugging Face Hub) instead of
// training one: the seed-faithful mode, whose losses compare with the
// seed's and with published TinyStories results.
const TokenizerGPT2 = "gpt2"

// GPT2VocabSize is the size of GPT-2's vocabulary, <|endoftext|> (id
// 50256) included; uint16 shards hold its ids.
const GPT2VocabSize = 50257

const gpt2Repo = "openai-community/gpt2"

// gpt2Files are the two files GPT-2's tokenizer needs, as the Hub serves
// them (they are plain Git files there, so the Hub announces no SHA-256;
// these values agree with the ones tiktoken pins for the same files).
var gpt2Files = map[string]download.Expect{
	"vocab.json": {Size: 1_042_301, SHA256: "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783", From: "shipped"},
	"merges.txt": {Size: 456_318, SHA256: "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5", From: "shipped"},
}

// GPT2URL is the Hugging Face "resolve" URL of one of GPT-2's tokenizer
// files.
func GPT2URL(endpoint, file string) string {
	return strings.TrimRight(endpoint, "/") + "/" + gpt2Repo + "/resolve/main/" + file
}

// GPT2Dir is where GPT-2's vocab.json and merges.txt live in a cache;
// files placed there by hand are used offline.
func GPT2Dir(cacheDir string) string {
	return filepath.Join(cacheDir, "downloads", "gpt2")
}

// fetchGPT2 downloads (or verifies) GPT-2's tokenizer files and returns
// their folder.
func fetchGPT2(ctx context.Context, opts Options) (string, error) {
	dir := GPT2Dir(opts.CacheDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("gpt2 tokenizer cache: %w", err)
	}
	for _, name := range []string{"vocab.json", "merges.txt"} {
		url := GPT2URL(opts.HFEndpoint, name)
		_, err := download.File(ctx, url, filepath.Join(dir, name), download.Options{
			Progress: opts.Progress, Label: "gpt2 " + name, Hub: true, Expect: gpt2Files[name]})
		if errors.Is(err, download.ErrMismatch) {
			return "", fmt.Errorf("gpt2 tokenizer: %w", err)
		}
		if err != nil {
			return "", fmt.Errorf("gpt2 tokenizer: %w; to work offline, place vocab.json and merges.txt of %s in %s (or set HF_ENDPOINT / -hf-endpoint to a mirror)",
				err, gpt2Repo, dir)
		}
	}
	return dir, nil
}
