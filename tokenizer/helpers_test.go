package tokenizer

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// builtinText is training text for tests that must run without fixtures.
var builtinText = strings.Repeat(`Once upon a time, there was a little girl named Lily. She liked to play
outside in the sunshine. One day, she saw a big, red ball in the park! "Can I
play with it?" she asked. Her mom said, "Yes, you can." Lily's friend Tom
didn't want to share; they'd argued about it 3 times since 2019.
<|endoftext|>
Grüße aus München: 12.5 km, ½ Stunde. Привет, мир! 你好，世界。  Tabs	and
  spaces   and newlines

end.<|endoftext|>`, 3)

var (
	smallOnce sync.Once
	smallTok  *Tokenizer
	smallErr  error
)

// smallTokenizer is a tokenizer trained on builtinText (vocab 400, with
// <|endoftext|> and <|pad|> as specials), shared by tests.
func smallTokenizer(tb testing.TB) *Tokenizer {
	tb.Helper()
	smallOnce.Do(func() {
		smallTok, smallErr = Train(context.Background(), strings.NewReader(builtinText),
			TrainOptions{VocabSize: 400, Specials: []string{"<|endoftext|>", "<|pad|>"}})
	})
	require.NoError(tb, smallErr)
	return smallTok
}

// pieces returns the pre-tokens of s as strings.
func pieces(s string) []string {
	var out []string
	for _, p := range pretokenize(nil, []byte(s)) {
		out = append(out, string(p))
	}
	return out
}

// streamAll runs EncodeStream over text and concatenates what it emits.
func streamAll(tb testing.TB, tok *Tokenizer, text []byte) []uint32 {
	tb.Helper()
	var out []uint32
	err := tok.EncodeStream(context.Background(), bytes.NewReader(text), func(ids []uint32) error {
		out = append(out, ids...)
		return nil
	})
	require.NoError(tb, err)
	return out
}
