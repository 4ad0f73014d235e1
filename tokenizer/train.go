package tokenizer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// TrainOptions configures Train.
type TrainOptions struct {
	VocabSize int       // final vocab size including the 256 bytes and specials
	Specials  []string  // e.g. "<|endoftext|>"
	Progress  io.Writer // progress bar destination (nil = none)
}

// Train learns a byte-level BPE tokenizer from the text r yields. The
// vocabulary starts as the special tokens (ids 0..k-1, in the order given)
// and the 256 single bytes (in GPT-2's byte order); then, until it reaches
// opts.VocabSize, the most frequent adjacent pair of tokens within
// pre-tokens is merged into a new token, ties going to the lexicographically
// greater pair of byte strings. Special tokens are cut out of the text
// before pre-tokenization and never take part in merges. Training stops
// early when no pair is left to merge.
func Train(ctx context.Context, r io.Reader, opts TrainOptions) (*Tokenizer, error) {
	specials, err := uniqueSpecials(opts.Specials)
	if err != nil {
		return nil, err
	}
	base := len(specials) + 256
	if opts.VocabSize < base {
		return nil, fmt.Errorf("vocab size %d is below the %d bytes and %d special tokens", opts.VocabSize, 256, len(specials))
	}
	vocab := make([][]byte, 0, opts.VocabSize)
	specIDs := make([]uint32, len(specials))
	for i, s := range specials {
		specIDs[i] = uint32(i)
		vocab = append(vocab, []byte(s))
	}
	var byteID [256]int32
	for _, b := range gpt2Order {
		byteID[b] = int32(len(vocab))
		vocab = append(vocab, []byte{b})
	}

	var bar *progressbar.ProgressBar
	if opts.Progress != nil {
		bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(opts.Progress),
			progressbar.OptionSetDescription("bpe: counting pre-tokens"),
			progressbar.OptionShowBytes(true), progressbar.OptionThrottle(200*time.Millisecond))
	}
	counts, err := countPretokens(ctx, r, newSpecialSet(specials, specIDs), func(n int64) {
		if bar != nil {
			_ = bar.Set64(n)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("counting pre-tokens: %w", err)
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(opts.Progress)
		bar = progressbar.NewOptions(opts.VocabSize-base, progressbar.OptionSetWriter(opts.Progress),
			progressbar.OptionSetDescription("bpe: merging"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond))
	}
	m := newMerger(counts, &byteID, vocab)
	for len(m.vocab) < opts.VocabSize {
		if len(m.merges)%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("training: %w", err)
			}
		}
		if !m.step() {
			break
		}
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(opts.Progress)
	}
	t, err := build(m.vocab, m.merges, specials, specIDs)
	if err != nil {
		return nil, fmt.Errorf("training produced an inconsistent tokenizer: %w", err)
	}
	return t, nil
}

// uniqueSpecials drops repeated special tokens and rejects empty ones.
func uniqueSpecials(in []string) ([]string, error) {
	seen := make(map[string]bool, len(in))
	var out []string
	for _, s := range in {
		if s == "" {
			return nil, errors.New("a special token is empty")
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}
