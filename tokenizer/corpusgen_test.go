package tokenizer

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"
)

// englishLike writes about size bytes of English-like text to w: a bigram
// random walk over the words (and punctuation) of the English fixtures,
// seeded, where mutatePerMille words in 1000 are mutated variants (a letter
// changed, inserted or dropped, or a suffix added) and one in 60 is a
// random number, so that the vocabulary has a long tail of rare words as
// real text does. Paragraphs are separated by "\n\n" and, every few, by
// <|endoftext|>.
func englishLike(tb testing.TB, w io.Writer, size int64, seed uint64, mutatePerMille int) {
	tb.Helper()
	var src []byte
	for _, name := range []string{"corpus.en", "tinystories_sample.txt", "address.txt"} {
		src = append(src, readFixture(tb, name)...)
		src = append(src, '\n')
	}
	words := bytes.Fields(src)
	next := make(map[string][]int, len(words)) // word -> indices of its followers
	for i := 0; i+1 < len(words); i++ {
		next[string(words[i])] = append(next[string(words[i])], i+1)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	suffixes := []string{"s", "ed", "ing", "ly", "er", "ness", "ful"}
	bw := bufio.NewWriterSize(w, 1<<20)
	defer bw.Flush()
	var written int64
	cur := rng.IntN(len(words))
	para := 0
	for written < size {
		var word []byte
		switch r := rng.IntN(6000); {
		case r < 6*mutatePerMille:
			word = mutate(rng, words[cur], suffixes)
		case r < 6*mutatePerMille+100:
			word = strconv.AppendInt(nil, int64(rng.IntN(100000)), 10)
		default:
			word = words[cur]
		}
		n, _ := bw.Write(word)
		written += int64(n)
		sep := " "
		if rng.IntN(25) == 0 {
			para++
			sep = "\n\n"
			if para%8 == 0 {
				sep = "\n<|endoftext|>\n"
			}
		}
		n, _ = bw.WriteString(sep)
		written += int64(n)
		if f := next[string(words[cur])]; len(f) > 0 && rng.IntN(50) != 0 {
			cur = f[rng.IntN(len(f))]
		} else {
			cur = rng.IntN(len(words))
		}
	}
}

func mutate(rng *rand.Rand, w []byte, suffixes []string) []byte {
	out := append([]byte(nil), w...)
	letter := byte('a' + rng.IntN(26))
	switch k := rng.IntN(4); {
	case k == 0 && len(out) > 0:
		out[rng.IntN(len(out))] = letter
	case k == 1:
		i := rng.IntN(len(out) + 1)
		out = append(out[:i], append([]byte{letter}, out[i:]...)...)
	case k == 2 && len(out) > 1:
		i := rng.IntN(len(out))
		out = append(out[:i], out[i+1:]...)
	default:
		out = append(out, suffixes[rng.IntN(len(suffixes))]...)
	}
	return out
}
