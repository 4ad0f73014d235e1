package data

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/empirical-scaling/harness/internal/fixtures"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data/download"
)

// gpt2Hub serves GPT-2's files the way the Hub does (plain Git files: no
// X-Linked headers).
func gpt2Hub(t *testing.T) (*hfServer, string) {
	h := &hfServer{prefix: "/" + gpt2Repo + "/resolve/main/", files: fixtures.GPT2Files(t), noLinked: true}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return h, ts.URL
}

func TestPrepareGPT2Tokenizer(t *testing.T) {
	h, url := gpt2Hub(t)
	cache := t.TempDir()
	opts := Options{Source: "synthetic", CacheDir: cache, HFEndpoint: url, SyntheticBytes: 64 << 10, Tokenizer: TokenizerGPT2}
	ds := prepare(t, opts)
	assert.ElementsMatch(t, []string{"/" + gpt2Repo + "/resolve/main/vocab.json", "/" + gpt2Repo + "/resolve/main/merges.txt"}, h.paths)
	assert.Len(t, h.heads, 2, "HEAD first, as for every Hub file")

	// GPT-2's ids: those of tiktoken's gpt2 encoding.
	assert.Equal(t, GPT2VocabSize, ds.Tokenizer.VocabSize())
	assert.Equal(t, []uint32{15496, 995, 198}, ds.Tokenizer.Encode([]byte("Hello world\n")))
	eot, ok := ds.Tokenizer.SpecialID(EOT)
	require.True(t, ok)
	assert.EqualValues(t, 50256, eot)
	assert.Equal(t, GPT2VocabSize, ds.Train.VocabSize(), "uint16 shards over the 50,257 ids")
	toks := ds.Train.Tokens()
	assert.Contains(t, toks, uint16(50256), "documents end in GPT-2's <|endoftext|>")
	assert.Less(t, int(slices.Max(toks)), GPT2VocabSize)
	assert.Contains(t, filepath.Base(ds.Dir), "synthetic-gpt2-")
	assert.Contains(t, ds.Meta.Tokenizer, "gpt2 sha256")

	// The tokenizer choice is part of the cache key.
	trained := prepare(t, Options{Source: "synthetic", CacheDir: cache, SyntheticBytes: 64 << 10, VocabSize: 300})
	assert.NotEqual(t, ds.Dir, trained.Dir)
	assert.NotEqual(t, ds.Meta.Key, trained.Meta.Key)

	// Cached: used again without the server (offline), also for a new build.
	offline := opts
	offline.HFEndpoint = "http://127.0.0.1:1"
	again := prepare(t, offline)
	assert.True(t, again.Cached)
	offline.SyntheticBytes = 80 << 10
	other := prepare(t, offline)
	assert.Equal(t, GPT2VocabSize, other.Train.VocabSize())
}

// Offline without the files: the error says where to put them; files
// placed there by hand are used, and anything but GPT-2's files refused.
func TestPrepareGPT2Offline(t *testing.T) {
	files := fixtures.GPT2Files(t)
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	cache := t.TempDir()
	opts := Options{Source: "synthetic", CacheDir: cache, HFEndpoint: url, SyntheticBytes: 64 << 10, Tokenizer: TokenizerGPT2}
	_, err := Prepare(context.Background(), opts)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "\n")
	assert.Contains(t, err.Error(), "place vocab.json and merges.txt of openai-community/gpt2 in "+GPT2Dir(cache))

	// The fixture's merges.txt as it is (without the Hub's first line) is
	// not the Hub's file.
	fx := fixtures.GPT2Files(t)
	require.NoError(t, os.WriteFile(filepath.Join(GPT2Dir(cache), "vocab.json"), files["vocab.json"], 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(GPT2Dir(cache), "merges.txt"), fx["merges.txt"][len("#version: 0.2\n"):], 0o644))
	_, err = Prepare(context.Background(), opts)
	require.ErrorIs(t, err, download.ErrMismatch)
	assert.Contains(t, err.Error(), "merges.txt (placed by hand")
	assert.Contains(t, err.Error(), "456318 bytes")

	require.NoError(t, os.WriteFile(filepath.Join(GPT2Dir(cache), "merges.txt"), files["merges.txt"], 0o644))
	ds := prepare(t, opts)
	assert.Equal(t, GPT2VocabSize, ds.Train.VocabSize())
}

func TestGPT2OptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Source: "synthetic", Tokenizer: "gpt3"}, `tokenizer "gpt3"`},
		{Options{Source: "synthetic", Tokenizer: TokenizerGPT2, TokenizerDir: "x"}, "choose one"},
		{Options{Source: "synthetic", Tokenizer: TokenizerGPT2, HFEndpoint: "ftp://x"}, "must start with http"},
	} {
		_, err := Prepare(context.Background(), tc.opts)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}
