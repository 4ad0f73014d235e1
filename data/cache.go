package data

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/empirical-scaling/harness/data/download"
)

// cacheFormat changes whenever what Prepare writes changes meaning.
const cacheFormat = "data-cache-v1"

// tokenizerRecipe names how tokenizers are trained here; bump it when the
// tokenizer package's training changes its output, so caches rebuild.
const tokenizerRecipe = "byte-level-bpe-v1"

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
// the given tokenizer files.
func tokenizerIdentity(opts Options) (string, error) {
	if opts.TokenizerDir == "" {
		return fmt.Sprintf("%s train vocab %d sample %d", tokenizerRecipe, opts.VocabSize, opts.TokenizerSample), nil
	}
	h := sha256.New()
	for _, name := range []string{"vocab.json", "merges.txt"} {
		_, sum, err := download.HashFile(filepath.Join(opts.TokenizerDir, name))
		if err != nil {
			return "", fmt.Errorf("tokenizer %s: %w", opts.TokenizerDir, err)
		}
		fmt.Fprintf(h, "%s %s\n", name, sum)
	}
	return "load sha256 " + hex.EncodeToString(h.Sum(nil)), nil
}
