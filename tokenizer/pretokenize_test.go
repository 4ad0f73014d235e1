package tokenizer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Expected splits follow GPT-2's regex by hand: alternatives in order,
// greedy runs, and \s+(?!\S) giving up the last whitespace character.
func TestPretokenizeCases(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"words", "Hello world", []string{"Hello", " world"}},
		{"contractions", "I'm you'll they've we're it's he'd don't",
			[]string{"I", "'m", " you", "'ll", " they", "'ve", " we", "'re", " it", "'s", " he", "'d", " don", "'t"}},
		{"uppercase contractions do not match", "'S 'LL", []string{"'", "S", " '", "LL"}},
		{"double apostrophe", "''s", []string{"''", "s"}},
		{"contractions back to back", "'ll've", []string{"'ll", "'ve"}},
		{"lone apostrophe", "'", []string{"'"}},
		{"apostrophe then non-letter", "'x 'e", []string{"'", "x", " '", "e"}},
		{"digits and letters", "abc123def 456", []string{"abc", "123", "def", " 456"}},
		{"decimal", "3.14", []string{"3", ".", "14"}},
		{"currency", "$100", []string{"$", "100"}},
		{"punctuation run", "a!?b ?!", []string{"a", "!?", "b", " ?!"}},
		{"unicode letters", "Grüße, мир! 你好", []string{"Grüße", ",", " мир", "!", " 你好"}},
		{"unicode numbers", "٣٤ Ⅻ ½", []string{"٣٤", " Ⅻ", " ½"}},
		{"letter then unicode number", "x²", []string{"x", "²"}},
		{"run of spaces before a word", "a   b", []string{"a", "  ", " b"}},
		{"space newline space", "a \n b", []string{"a", " \n", " b"}},
		{"two newlines", "a\n\nb", []string{"a", "\n", "\n", "b"}},
		{"trailing spaces", "a   ", []string{"a", "   "}},
		{"leading spaces", "  a", []string{" ", " a"}},
		{"only spaces", "   ", []string{"   "}},
		{"single space", " ", []string{" "}},
		{"tabs", "\t\tx", []string{"\t", "\t", "x"}},
		{"tab then space", "x\t y", []string{"x", "\t", " y"}},
		{"spaces before punctuation", "  !!", []string{" ", " !!"}},
		{"spaces before digits", "a  1", []string{"a", " ", " 1"}},
		{"crlf at end", "hello\r\n", []string{"hello", "\r\n"}},
		{"crlf inside", "a\r\nb", []string{"a", "\r", "\n", "b"}},
		{"no-break space alone", "a\u00a0b", []string{"a", "\u00a0", "b"}},
		{"no-break space then space", "a\u00a0 b", []string{"a", "\u00a0", " b"}},
		{"space then no-break space", "a \u00a0b", []string{"a", " ", "\u00a0", "b"}},
		{"ideographic space run", "a\u3000\u3000b", []string{"a", "\u3000", "\u3000", "b"}},
		{"invalid byte between letters", "a\xffb", []string{"a", "\xff", "b"}},
		{"space then invalid bytes", " \xff\xfe", []string{" \xff\xfe"}},
		{"truncated sequence", "\xe2\x82x", []string{"\xe2\x82", "x"}},
		{"invalid byte joins punctuation", "!\xff?", []string{"!\xff?"}},
		{"space before letter after space run at end", "x \t", []string{"x", " \t"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, pieces(c.in))
		})
	}
}

func TestSafeCutsDoNotChangePretokens(t *testing.T) {
	texts := []string{
		"Hello world, it's 2024!  Spaces   and\n\nlines. <|endoftext|> x",
		"a b c d e",
		"x<|endoftext|> <|endoftext|> y",
	}
	specs := newSpecialSet([]string{"<|endoftext|>"}, []uint32{0})
	for _, s := range texts {
		text := []byte(s)
		whole := pieces(s)
		for p := 1; p < len(text); p++ {
			if !safeAt(text, p, specs) {
				continue
			}
			got := append(pieces(s[:p]), pieces(s[p:])...)
			assert.Equal(t, whole, got, "cut at %d of %q", p, s)
		}
	}
	// A cut inside a special token is never safe.
	text := []byte("a <|end oftext|>")
	spaced := newSpecialSet([]string{"<|end oftext|>"}, []uint32{0})
	assert.False(t, safeAt(text, 7, spaced))
	assert.True(t, safeAt(text, 1, spaced))
}
