package tokenizer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// concat joins the encodings of parts with the given special ids between.
func concat(tok *Tokenizer, parts ...any) []uint32 {
	var out []uint32
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, tok.Encode([]byte(v))...)
		case uint32:
			out = append(out, v)
		}
	}
	if out == nil {
		out = []uint32{}
	}
	return out
}

func TestSpecialTokens(t *testing.T) {
	tok := smallTokenizer(t)
	eot, ok := tok.SpecialID("<|endoftext|>")
	require.True(t, ok)
	pad, ok := tok.SpecialID("<|pad|>")
	require.True(t, ok)
	assert.EqualValues(t, 0, eot)
	assert.EqualValues(t, 1, pad)
	_, ok = tok.SpecialID("<|nope|>")
	assert.False(t, ok)

	cases := []struct {
		name string
		in   string
		want []uint32
	}{
		{"alone", "<|endoftext|>", []uint32{eot}},
		{"at start", "<|endoftext|>Once", concat(tok, eot, "Once")},
		{"at end", "Once<|endoftext|>", concat(tok, "Once", eot)},
		{"adjacent", "<|endoftext|><|pad|><|endoftext|>", []uint32{eot, pad, eot}},
		{"spaces around", " <|pad|> upon", concat(tok, " ", pad, " upon")},
		{"partial is text", "<|endoftext|", concat(tok, "<|", "endoftext", "|")},
		{"inside a word", "up<|pad|>on", concat(tok, "up", pad, "on")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tok.Encode([]byte(c.in))
			require.Equal(t, c.want, got)
			back, err := tok.Decode(got)
			require.NoError(t, err)
			assert.Equal(t, c.in, string(back))
		})
	}
}

func TestSpecialTokensLongestFirst(t *testing.T) {
	base := smallTokenizer(t)
	dir := t.TempDir()
	require.NoError(t, base.Save(dir))
	tok, err := Load(dir+"/vocab.json", dir+"/merges.txt", []string{"<s>", "<s><s>", "<|endoftext|>"})
	require.NoError(t, err)
	short, _ := tok.SpecialID("<s>")
	long, _ := tok.SpecialID("<s><s>")
	assert.EqualValues(t, 400, short, "a special missing from vocab.json gets the next free id")
	assert.EqualValues(t, 401, long)
	assert.Equal(t, 402, tok.VocabSize())
	assert.Equal(t, []uint32{long, short}, tok.Encode([]byte("<s><s><s>")))
	assert.Equal(t, []uint32{long, long}, tok.Encode([]byte("<s><s><s><s>")))
	assert.Equal(t, concat(tok, "x", short, "y"), tok.Encode([]byte("x<s>y")))
}

func TestRoundTripAndStream(t *testing.T) {
	tok := smallTokenizer(t)
	texts := []string{
		"",
		builtinText,
		"brand new words: zyxwvut qqq 999999 ☃☃☃ \x00\x01\xff\xfe",
		strings.Repeat("a", 1000),             // one long pre-token: the heap merger
		strings.Repeat(" ", 300) + "x",        // long whitespace run
		strings.Repeat("Lily played. ", 5000), // many chunks' worth for the stream
	}
	for _, s := range texts {
		ids := tok.Encode([]byte(s))
		back, err := tok.Decode(ids)
		require.NoError(t, err)
		require.Equal(t, s, string(back))
		assert.Equal(t, ids, append([]uint32{}, streamAll(t, tok, []byte(s))...))
		for _, id := range ids {
			require.Less(t, int(id), tok.VocabSize())
		}
	}
}

func TestHeapMergerMatchesQuadratic(t *testing.T) {
	tok := smallTokenizer(t)
	e := newEncoder(tok)
	for _, s := range []string{"a", "Lily", "aaaaaaaaaaaaaaa", strings.Repeat("abab", 50), strings.Repeat("Once upon", 40), "ssssshe"} {
		assert.Equal(t, e.bpe([]byte(s), nil), e.bpeHeap([]byte(s), nil), s)
	}
}

func TestParallelEncodeMatchesSerial(t *testing.T) {
	tok := smallTokenizer(t)
	text := []byte(strings.Repeat(builtinText, parallelMin/len(builtinText)+2))
	require.GreaterOrEqual(t, len(text), parallelMin)
	e := newEncoder(tok)
	serial := e.encode(text, nil)
	assert.Equal(t, serial, tok.Encode(text))
}

func TestChunkReaderCutsAreInvisible(t *testing.T) {
	tok := smallTokenizer(t)
	text := []byte(builtinText + " a<|endoftext|>b  c\n\nd")
	want := tok.Encode(text)
	for _, size := range []int{1, 2, 3, 7, 16, 100} {
		cr := newChunkReader(bytes.NewReader(text), size, tok.specs)
		var got []uint32
		var joined []byte
		for {
			chunk, err := cr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			joined = append(joined, chunk...)
			got = append(got, tok.Encode(chunk)...)
		}
		require.Equal(t, text, joined, "size %d", size)
		require.Equal(t, want, got, "size %d", size)
	}
}

func TestEncodeStreamErrors(t *testing.T) {
	tok := smallTokenizer(t)
	text := []byte(strings.Repeat("Lily played. ", 400000)) // several chunks
	boom := errors.New("boom")
	calls := 0
	err := tok.EncodeStream(context.Background(), bytes.NewReader(text), func([]uint32) error {
		calls++
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 1, calls)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = tok.EncodeStream(ctx, bytes.NewReader(text), func([]uint32) error { return nil })
	require.ErrorIs(t, err, context.Canceled)

	err = tok.EncodeStream(context.Background(), failingReader{}, func([]uint32) error { return nil })
	require.ErrorIs(t, err, errRead)
}

var errRead = errors.New("disk on fire")

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errRead }

func TestDecode(t *testing.T) {
	tok := smallTokenizer(t)
	_, err := tok.Decode([]uint32{5, uint32(tok.VocabSize())})
	var bad *UnknownIDError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, UnknownIDError{ID: uint32(tok.VocabSize()), Position: 1, VocabSize: tok.VocabSize()}, *bad)

	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"valid", []byte("héllo"), "héllo"},
		{"lone continuation", []byte{'a', 0x80, 'b'}, "a\uFFFDb"},
		{"truncated 3-byte sequence is one replacement", []byte{'a', 0xE2, 0x82, 'b'}, "a\uFFFDb"},
		{"two bad bytes are two replacements", []byte{0xFF, 0xFE}, "\uFFFD\uFFFD"},
		{"surrogate", []byte{0xED, 0xA0, 0x80}, "\uFFFD\uFFFD\uFFFD"},
		{"overlong", []byte{0xC0, 0xAF}, "\uFFFD\uFFFD"},
		{"truncated 4-byte at end", []byte{0xF0, 0x9F, 0x98}, "\uFFFD"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tok.DecodeString(tok.Encode(c.in))
			assert.Equal(t, c.want, got)
			assert.True(t, utf8.ValidString(got))
		})
	}
	assert.Equal(t, "\uFFFD", tok.DecodeString([]uint32{uint32(tok.VocabSize()) + 7}))
}

func TestChunkReaderHardCut(t *testing.T) {
	// One pre-token longer than the limit: the reader cuts at a UTF-8
	// boundary rather than hold it all, and loses no byte.
	text := []byte(strings.Repeat("é", 100))
	cr := newChunkReader(bytes.NewReader(text), 4, nil)
	cr.limit = 16
	var joined []byte
	for {
		chunk, err := cr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		require.LessOrEqual(t, len(chunk), 16)
		require.True(t, utf8.Valid(chunk), "cut inside a character: %q", chunk)
		joined = append(joined, chunk...)
	}
	assert.Equal(t, text, joined)
}
