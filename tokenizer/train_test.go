package tokenizer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTrainMatchesReference(t *testing.T) {
	fx := fixtureDir(t)
	corpus := readFixture(t, "corpus.en")
	tok, err := Train(context.Background(), bytes.NewReader(corpus), TrainOptions{VocabSize: 500, Specials: []string{"<|endoftext|>"}})
	require.NoError(t, err)
	require.Equal(t, 500, tok.VocabSize())

	dir := t.TempDir()
	require.NoError(t, tok.Save(dir))
	gotMerges, err := os.ReadFile(filepath.Join(dir, "merges.txt"))
	require.NoError(t, err)
	wantMerges, err := os.ReadFile(filepath.Join(fx, "train-bpe-reference-merges.txt"))
	require.NoError(t, err)
	got := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(gotMerges), "#version: 0.2\n")), "\n")
	want := strings.Split(strings.TrimSpace(string(wantMerges)), "\n")
	require.Equal(t, want, got)

	var wantVocab, gotVocab map[string]int
	require.NoError(t, json.Unmarshal(readFixture(t, "train-bpe-reference-vocab.json"), &wantVocab))
	data, err := os.ReadFile(filepath.Join(dir, "vocab.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &gotVocab))
	assert.ElementsMatch(t, keys(wantVocab), keys(gotVocab), "token sets differ")
	assert.Equal(t, wantVocab, gotVocab, "ids differ from the reference layout")
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestTrainProgressAndCancel(t *testing.T) {
	var progress bytes.Buffer
	tok, err := Train(context.Background(), strings.NewReader(builtinText), TrainOptions{VocabSize: 300, Progress: &progress})
	require.NoError(t, err)
	assert.Equal(t, 300, tok.VocabSize())
	assert.Contains(t, progress.String(), "bpe: merging")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Train(ctx, strings.NewReader(builtinText), TrainOptions{VocabSize: 300})
	require.ErrorIs(t, err, context.Canceled)
}

func TestTrainIgnoresSpecialsAndChunking(t *testing.T) {
	// Special tokens are never counted as text, and reading the input one
	// byte per Read gives the same merges as reading it at once.
	withEOT, err := Train(context.Background(), strings.NewReader(builtinText), TrainOptions{VocabSize: 350, Specials: []string{"<|endoftext|>"}})
	require.NoError(t, err)
	counts := newWordCounts()
	counts.addText([]byte(builtinText), withEOT.specs)
	for _, w := range counts.words {
		assert.NotContains(t, w, "<|endoftext|>", "a special token was counted as text")
	}
	slow, err := Train(context.Background(), iotest.OneByteReader(strings.NewReader(builtinText)), TrainOptions{VocabSize: 350, Specials: []string{"<|endoftext|>"}})
	require.NoError(t, err)
	assert.Equal(t, withEOT.merges, slow.merges)
}
