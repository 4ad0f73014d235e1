package tokenizer

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// naiveMerges is the textbook trainer: recount every pair of every word
// before each merge. The incremental trainer must produce the same merges.
func naiveMerges(text []byte, specials []string, nMerges int) [][2]string {
	ids := make([]uint32, len(specials))
	for i := range ids {
		ids[i] = uint32(i)
	}
	wc := newWordCounts()
	wc.addText(text, newSpecialSet(specials, ids))
	words := make([][]string, len(wc.words))
	for i, w := range wc.words {
		for j := 0; j < len(w); j++ {
			words[i] = append(words[i], w[j:j+1])
		}
	}
	var merges [][2]string
	for len(merges) < nMerges {
		counts := map[[2]string]int64{}
		for i, w := range words {
			for j := 0; j+1 < len(w); j++ {
				counts[[2]string{w[j], w[j+1]}] += wc.count[i]
			}
		}
		var best [2]string
		var bestN int64
		for p, n := range counts {
			if n > bestN || n == bestN && (p[0] > best[0] || p[0] == best[0] && p[1] > best[1]) {
				best, bestN = p, n
			}
		}
		if bestN == 0 {
			break
		}
		merges = append(merges, best)
		for i, w := range words {
			var out []string
			for j := 0; j < len(w); j++ {
				if j+1 < len(w) && w[j] == best[0] && w[j+1] == best[1] {
					out = append(out, best[0]+best[1])
					j++
				} else {
					out = append(out, w[j])
				}
			}
			words[i] = out
		}
	}
	return merges
}

func TestTrainMatchesNaiveRecount(t *testing.T) {
	cases := []struct {
		name  string
		text  func(t *testing.T) []byte
		vocab int
	}{
		{"builtin", func(*testing.T) []byte { return []byte(builtinText) }, 600},
		{"repeats and overlaps", func(*testing.T) []byte {
			return []byte(strings.Repeat("aaaa aaa aa a abab ababab bbbb ", 20))
		}, 300},
		{"generated English", func(t *testing.T) []byte {
			var b bytes.Buffer
			englishLike(t, &b, 200<<10, 7, 25) // skips without the fixtures
			return b.Bytes()
		}, 700},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := c.text(t)
			specials := []string{"<|endoftext|>"}
			tok, err := Train(context.Background(), bytes.NewReader(text), TrainOptions{VocabSize: c.vocab, Specials: specials})
			require.NoError(t, err)
			want := naiveMerges(text, specials, c.vocab-257)
			got := make([][2]string, len(tok.merges))
			for i, m := range tok.merges {
				got[i] = [2]string{string(tok.vocab[m[0]]), string(tok.vocab[m[1]])}
			}
			require.Equal(t, want, got)
		})
	}
}
