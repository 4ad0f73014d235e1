package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixtureDir returns ../shared/fixtures/tokenizer relative to the repo root
// (the nearest parent holding go.mod), skipping the test when it is absent.
func fixtureDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	require.NoError(tb, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("no go.mod above the test directory, so no fixtures")
		}
		dir = parent
	}
	fx := filepath.Join(dir, "..", "shared", "fixtures", "tokenizer")
	if _, err := os.Stat(filepath.Join(fx, "gpt2_vocab.json")); err != nil {
		tb.Skipf("tokenizer fixtures absent at %s: %v", fx, err)
	}
	return fx
}

// fixtureTexts are the texts with expected GPT-2 ids in expected/.
var fixtureTexts = []string{"corpus.en", "german.txt", "address.txt", "tinystories_sample.txt"}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir(tb), name))
	require.NoError(tb, err)
	return b
}

func loadGPT2(tb testing.TB) *Tokenizer {
	tb.Helper()
	fx := fixtureDir(tb)
	tok, err := Load(filepath.Join(fx, "gpt2_vocab.json"), filepath.Join(fx, "gpt2_merges.txt"), []string{"<|endoftext|>"})
	require.NoError(tb, err)
	return tok
}

func expectedIDs(tb testing.TB, name string) []uint32 {
	tb.Helper()
	var ids []uint32
	require.NoError(tb, json.Unmarshal(readFixture(tb, filepath.Join("expected", name+".gpt2.json")), &ids))
	return ids
}
