package tokenizer_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/empirical-scaling/harness/tokenizer"
)

// Train a small byte-level BPE vocabulary on a text, then encode and decode
// with it. Special tokens pass through as single ids.
func Example() {
	corpus := strings.Repeat("the cat sat on the mat. the dog sat on the log.<|endoftext|>", 50)
	tok, err := tokenizer.Train(context.Background(), strings.NewReader(corpus), tokenizer.TrainOptions{
		VocabSize: 256 + 1 + 12, // the bytes, one special token, 12 merges
		Specials:  []string{"<|endoftext|>"},
	})
	if err != nil {
		panic(err)
	}
	ids := tok.Encode([]byte("the cat sat.<|endoftext|>"))
	fmt.Println(tok.VocabSize(), "tokens in the vocabulary")
	fmt.Println(ids)
	pieces := make([]string, len(ids))
	for i, id := range ids {
		b, _ := tok.TokenBytes(id)
		pieces[i] = fmt.Sprintf("%q", b)
	}
	fmt.Println(strings.Join(pieces, " "))
	fmt.Println(tok.DecodeString(ids))
	// Output:
	// 269 tokens in the vocabulary
	// [258 221 67 259 264 14 0]
	// "the" " " "c" "at" " sat" "." "<|endoftext|>"
	// the cat sat.<|endoftext|>
}
