package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gpt2Server serves GPT-2's vocab.json and merges.txt, rebuilt from
// ../shared/fixtures/tokenizer exactly as the Hub has them, under the Hub's
// paths; the test is skipped when the fixtures are absent.
func gpt2Server(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root (go.mod) not found, so no shared fixtures")
		}
		dir = parent
	}
	fx := filepath.Join(dir, "..", "shared", "fixtures", "tokenizer")
	vocab, err := os.ReadFile(filepath.Join(fx, "gpt2_vocab.json"))
	if err != nil {
		t.Skipf("GPT-2 tokenizer fixtures absent (%v): they live in ../shared/fixtures/tokenizer next to the repository", err)
	}
	merges, err := os.ReadFile(filepath.Join(fx, "gpt2_merges.txt"))
	require.NoError(t, err)
	files := map[string][]byte{"vocab.json": vocab, "merges.txt": append([]byte("#version: 0.2\n"), merges...)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/openai-community/gpt2/resolve/main/")
		b, found := files[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestPrepareGPT2Tokenizer(t *testing.T) {
	url := gpt2Server(t)
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
