package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/empirical-scaling/harness/internal/fixtures"

	"github.com/stretchr/testify/require"
)

// fixtureDir returns ../shared/fixtures/tokenizer, skipping the test when
// it is absent.
func fixtureDir(tb testing.TB) string { return fixtures.Path(tb, "tokenizer") }

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
