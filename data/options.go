package data

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Defaults, documented in the README.
const (
	// DefaultVocabTinyStories is the vocabulary trained for TinyStories
	// and for local text.
	DefaultVocabTinyStories = 4096
	// DefaultVocabSynthetic is the vocabulary trained for the built-in
	// generators: their lexicon is about 2,000 words, and a small
	// vocabulary keeps the classifier cheap for the tiny CPU grid.
	DefaultVocabSynthetic = 1024
	// DefaultSyntheticBytes is the size of the generated training text,
	// about 16M tokens at the default vocabulary: more than the tiny grid
	// trains on, so no run repeats much of it.
	DefaultSyntheticBytes = 64 << 20
	// DefaultTokenizerSample is how much training text (from its start)
	// the tokenizer is trained on.
	DefaultTokenizerSample = 16 << 20
	// DefaultHFEndpoint is used when neither Options.HFEndpoint nor
	// $HF_ENDPOINT is set.
	DefaultHFEndpoint = "https://huggingface.co"
)

// Options select and shape a dataset.
type Options struct {
	// Source is "tinystories", a built-in generator ("synthetic": the
	// knowledge chronicle; "synthetic:zipf=S,entities=K": the chronicle
	// with other knobs; "synthetic-v1": the first generator's stories),
	// "fineweb-edu" (a fixed sample
	// of HuggingFaceFW/fineweb-edu), "hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION]"
	// (the .txt and .parquet files of a Hugging Face dataset), or a path
	// to a .txt or .parquet file or a folder of them.
	Source       string
	CacheDir     string // "" = os.UserCacheDir()/scaling-harness
	HFEndpoint   string // "" = $HF_ENDPOINT or https://huggingface.co
	VocabSize    int    // 0 = DefaultVocabTinyStories (tinystories, local) or DefaultVocabSynthetic
	TokenizerDir string // "" = train one; else load DIR/vocab.json + DIR/merges.txt
	// Tokenizer "gpt2" (TokenizerGPT2) loads GPT-2's tokenizer, fetched
	// from the Hub into the cache once; "" trains one (or loads
	// TokenizerDir). VocabSize is ignored when a tokenizer is loaded.
	Tokenizer string
	// SyntheticBytes is the size of the generated training text for
	// "synthetic" (0 = DefaultSyntheticBytes). Validation text is a
	// twentieth of it, at least 256 KiB, from a separate seed stream.
	SyntheticBytes int64
	// TokenizerSample is how many bytes from the start of the training
	// text train the tokenizer (0 = DefaultTokenizerSample).
	TokenizerSample int64
	// TextColumn is the column of Parquet files that holds the documents
	// ("" = DefaultTextColumn).
	TextColumn string
	Seed       uint64    // seeds the built-in generators (the chronicle's world and its training stream)
	Progress   io.Writer // progress bars; nil = none
}

// withDefaults fills the zero fields and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return o, fmt.Errorf("no cache folder: %w; pass one with -cache DIR", err)
		}
		o.CacheDir = filepath.Join(base, "scaling-harness")
	}
	if o.HFEndpoint == "" {
		o.HFEndpoint = os.Getenv("HF_ENDPOINT")
	}
	if o.HFEndpoint == "" {
		o.HFEndpoint = DefaultHFEndpoint
	}
	switch o.Tokenizer {
	case "", TokenizerGPT2:
	default:
		return o, fmt.Errorf("tokenizer %q: want %s, or none to train one", o.Tokenizer, TokenizerGPT2)
	}
	if o.Tokenizer != "" && o.TokenizerDir != "" {
		return o, fmt.Errorf("tokenizer %s and tokenizer folder %s both given; choose one", o.Tokenizer, o.TokenizerDir)
	}
	if o.TextColumn == "" {
		o.TextColumn = DefaultTextColumn
	}
	if (o.Source == "tinystories" || o.Source == FineWebEdu || strings.HasPrefix(o.Source, HubPrefix) || o.Tokenizer == TokenizerGPT2) && !strings.HasPrefix(o.HFEndpoint, "http://") && !strings.HasPrefix(o.HFEndpoint, "https://") {
		return o, fmt.Errorf("hugging face endpoint %q must start with http:// or https://", o.HFEndpoint)
	}
	if o.VocabSize == 0 {
		o.VocabSize = DefaultVocabTinyStories
		if ok, _ := IsSynthetic(o.Source); ok {
			o.VocabSize = DefaultVocabSynthetic
		}
	}
	if o.TokenizerDir == "" && o.Tokenizer == "" && (o.VocabSize < 257 || o.VocabSize > MaxVocab) {
		return o, fmt.Errorf("vocabulary size %d out of range: it must hold the 256 bytes and %s, and at most %d for uint16 shards", o.VocabSize, EOT, MaxVocab)
	}
	if o.SyntheticBytes == 0 {
		o.SyntheticBytes = DefaultSyntheticBytes
	}
	if o.SyntheticBytes < 0 {
		return o, fmt.Errorf("synthetic size %d bytes is negative", o.SyntheticBytes)
	}
	if o.TokenizerSample == 0 {
		o.TokenizerSample = DefaultTokenizerSample
	}
	if o.TokenizerSample < 0 {
		return o, fmt.Errorf("tokenizer sample %d bytes is negative", o.TokenizerSample)
	}
	return o, nil
}
