package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/empirical-scaling/harness/data/download"
	"github.com/empirical-scaling/harness/tokenizer"
)

// cacheFormat changes whenever what Prepare writes changes meaning.
const cacheFormat = "data-cache-v1"

// tokenizerRecipe names how tokenizers are trained here.
const tokenizerRecipe = "byte-level-bpe-v1"

// fingerprintText exercises letters, digits, punctuation, white space,
// non-ASCII text and the special token.
const fingerprintText = `Once upon a time, a small fox named Pip found 3 red apples by the river.
"Can I share them?" Pip asked his friend, the old owl. The owl said, "Yes — share them all!"
They ate the apples, laughed, and walked home at 7:45 in the evening... Über-happy, très bien, 你好!
` + EOT + `The next day it rained. Pip's boots were wet;   he didn't mind. Tabs	and  spaces	stay.
`

// fingerprint is a hash of what the tokenizer package does today: the
// merges it learns from a fixed text and the ids it gives that text. It is
// part of every cache key, so a change in the tokenizer's training or
// encoding rebuilds the datasets instead of serving stale tokens.
var fingerprint = sync.OnceValues(func() (string, error) {
	text := []byte(strings.Repeat(fingerprintText, 8))
	tok, err := tokenizer.Train(context.Background(), bytes.NewReader(text), tokenizer.TrainOptions{VocabSize: 320, Specials: []string{EOT}})
	if err != nil {
		return "", fmt.Errorf("tokenizer fingerprint: %w", err)
	}
	dir, err := os.MkdirTemp("", "tokenizer-fingerprint-")
	if err != nil {
		return "", fmt.Errorf("tokenizer fingerprint: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := tok.Save(dir); err != nil {
		return "", fmt.Errorf("tokenizer fingerprint: %w", err)
	}
	h := sha256.New()
	for _, name := range []string{"vocab.json", "merges.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("tokenizer fingerprint: %w", err)
		}
		h.Write(b)
	}
	for _, id := range tok.Encode(text) {
		fmt.Fprintf(h, "%d,", id)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
})

// cacheKey hashes everything that determines the dataset's bytes.
func cacheKey(corpusID, tokID string) string {
	blob, _ := json.Marshal(map[string]any{
		"format":    cacheFormat,
		"shard":     shardVersion,
		"corpus":    corpusID,
		"tokenizer": tokID,
		"specials":  []string{EOT},
	})
	sum := sha256.Sum256(blob)
	return hex.EncodeToString(sum[:])
}

// tokenizerIdentity describes the tokenizer settings, or the content of
// the given tokenizer files, and the tokenizer package's fingerprint.
func tokenizerIdentity(opts Options) (string, error) {
	fp, err := fingerprint()
	if err != nil {
		return "", err
	}
	if opts.TokenizerDir == "" {
		return fmt.Sprintf("%s fingerprint %s train vocab %d sample %d", tokenizerRecipe, fp, opts.VocabSize, opts.TokenizerSample), nil
	}
	h := sha256.New()
	for _, name := range []string{"vocab.json", "merges.txt"} {
		_, sum, err := download.HashFile(filepath.Join(opts.TokenizerDir, name))
		if err != nil {
			return "", fmt.Errorf("tokenizer %s: %w", opts.TokenizerDir, err)
		}
		fmt.Fprintf(h, "%s %s\n", name, sum)
	}
	loaded := "load"
	if opts.Tokenizer != "" {
		loaded = opts.Tokenizer
	}
	return fmt.Sprintf("%s fingerprint %s %s sha256 %s", tokenizerRecipe, fp, loaded, hex.EncodeToString(h.Sum(nil))), nil
}
