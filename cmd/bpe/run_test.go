package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/empirical-scaling/harness/internal/fixtures"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const trainText = `Once upon a time, there was a little girl named Lily. She liked to play
outside in the sunshine. One day, she saw a big, red ball in the park!
<|endoftext|>
"Can I play with it?" she asked. Her mom said, "Yes, you can." Grüße 42.
`

// bpe runs the command and returns its exit status, stdout and stderr.
func bpe(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// trained trains a small tokenizer with the command and returns its dir.
func trained(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	text := filepath.Join(dir, "train.txt")
	require.NoError(t, os.WriteFile(text, []byte(strings.Repeat(trainText, 5)), 0o644))
	out := filepath.Join(dir, "tok")
	code, stdout, stderr := bpe(t, "", "train", "-vocab-size", "300", "-special", "<|endoftext|>", "-out", out, text)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	assert.FileExists(t, filepath.Join(out, "vocab.json"))
	assert.FileExists(t, filepath.Join(out, "merges.txt"))
	return out
}

func TestTrainEncodeDecode(t *testing.T) {
	dir := trained(t)
	vocab, merges := filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt")
	input := filepath.Join(t.TempDir(), "in.txt")
	text := "Lily played<|endoftext|> with a ball. ☃\n"
	require.NoError(t, os.WriteFile(input, []byte(text), 0o644))

	for _, format := range []string{"json", "bin"} {
		t.Run(format, func(t *testing.T) {
			code, ids, stderr := bpe(t, "", "encode", "-vocab", vocab, "-merges", merges, "-special", "<|endoftext|>", "-format", format, input)
			require.Equal(t, 0, code, stderr)
			if format == "json" {
				var parsed []uint32
				require.NoError(t, json.Unmarshal([]byte(ids), &parsed))
				assert.Contains(t, parsed, uint32(0), "the special token is id 0")
			} else {
				require.Zero(t, len(ids)%2, "vocab 300 writes uint16")
				assert.Contains(t, chunks16(ids), uint16(0))
			}
			idsFile := filepath.Join(t.TempDir(), "ids")
			require.NoError(t, os.WriteFile(idsFile, []byte(ids), 0o644))
			code, back, stderr := bpe(t, "", "decode", "-vocab", vocab, "-merges", merges, "-special", "<|endoftext|>", "-format", format, idsFile)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, text, back)
			// Standard input works the same way.
			code, back, stderr = bpe(t, ids, "decode", "-vocab", vocab, "-merges", merges, "-special", "<|endoftext|>", "-format", format, "-")
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, text, back)
		})
	}
	code, ids, _ := bpe(t, "", "encode", "-vocab", vocab, "-merges", merges, input)
	require.Equal(t, 0, code)
	assert.NotContains(t, ids, "[0,", "without -special the marker is plain text")
	code, ids, _ = bpe(t, "", "encode", "-vocab", vocab, "-merges", merges, "-")
	require.Equal(t, 0, code)
	assert.Equal(t, "[]\n", ids, "empty input gives an empty array")
}

func chunks16(s string) []uint16 {
	b := []byte(s)
	out := make([]uint16, len(b)/2)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out
}

func TestGPT2Files(t *testing.T) {
	fx := fixtures.Path(t, "tokenizer")
	vocab, merges := filepath.Join(fx, "gpt2_vocab.json"), filepath.Join(fx, "gpt2_merges.txt")
	for _, name := range []string{"german.txt", "address.txt"} {
		code, out, stderr := bpe(t, "", "encode", "-vocab", vocab, "-merges", merges, "-special", "<|endoftext|>", filepath.Join(fx, name))
		require.Equal(t, 0, code, stderr)
		var got, want []int
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		raw, err := os.ReadFile(filepath.Join(fx, "expected", name+".gpt2.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &want))
		assert.Equal(t, want, got, name)
	}
}

func TestUserMistakes(t *testing.T) {
	dir := trained(t)
	vocab, merges := filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt")
	tmp := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(tmp, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	text := write("text.txt", "hello")
	badJSON := write("bad.json", "[1, 2,")
	hugeID := write("huge.json", "[99999, 1]")
	negID := write("neg.json", "[-1]")
	oddBin := write("odd.bin", "abc")
	brokenVocab := write("vocab.json", "{\"a\": 1,\n \"b\" 2}")

	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "no command"},
		{"unknown command", []string{"frob"}, 2, `unknown command "frob"`},
		{"unknown flag", []string{"encode", "-bogus"}, 2, "bogus"},
		{"train without vocab size", []string{"train", "-out", tmp, text}, 2, "-vocab-size"},
		{"train without out", []string{"train", "-vocab-size", "300", text}, 2, "-out"},
		{"train without files", []string{"train", "-vocab-size", "300", "-out", tmp}, 2, "no input FILE"},
		{"train vocab too small", []string{"train", "-vocab-size", "100", "-out", tmp, text}, 2, "-vocab-size 100 is below"},
		{"train vocab below the specials", []string{"train", "-vocab-size", "257", "-special", "<a>", "-special", "<b>", "-out", tmp, text}, 2, "want at least 258"},
		{"train missing file", []string{"train", "-vocab-size", "300", "-out", tmp, filepath.Join(tmp, "none.txt")}, 1, "none.txt"},
		{"train vocab size not a number", []string{"train", "-vocab-size", "lots", "-out", tmp, text}, 2, "lots"},
		{"encode without merges", []string{"encode", "-vocab", vocab, text}, 2, "-merges"},
		{"encode bad format", []string{"encode", "-vocab", vocab, "-merges", merges, "-format", "xml", text}, 2, "xml"},
		{"encode two files", []string{"encode", "-vocab", vocab, "-merges", merges, text, text}, 2, "exactly one"},
		{"encode missing input", []string{"encode", "-vocab", vocab, "-merges", merges, filepath.Join(tmp, "nope")}, 1, "nope"},
		{"encode broken vocab", []string{"encode", "-vocab", brokenVocab, "-merges", merges, text}, 1, "line 2"},
		{"decode bad json", []string{"decode", "-vocab", vocab, "-merges", merges, badJSON}, 1, "bad.json"},
		{"decode unknown id", []string{"decode", "-vocab", vocab, "-merges", merges, hugeID}, 1, "99999"},
		{"decode negative id", []string{"decode", "-vocab", vocab, "-merges", merges, negID}, 1, "-1"},
		{"decode odd bin", []string{"decode", "-vocab", vocab, "-merges", merges, "-format", "bin", oddBin}, 1, "whole number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := bpe(t, "", c.args...)
			assert.Equal(t, c.code, code)
			assert.Empty(t, stdout, "nothing on stdout after a mistake in the first id")
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.Contains(t, stderr, c.want)
			assert.True(t, strings.HasPrefix(stderr, "bpe: "), stderr)
		})
	}
	// The failed trainings left the earlier output untouched.
	assert.FileExists(t, vocab)
}

func TestHelp(t *testing.T) {
	code, _, stderr := bpe(t, "", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "bpe train -vocab-size N")
	code, _, stderr = bpe(t, "", "encode", "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "bpe encode")
}

func TestDecodeReportsAbsolutePosition(t *testing.T) {
	dir := trained(t)
	vocab, merges := filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt")
	var ids []byte
	for i := 0; i < idBatch+5; i++ {
		ids = binary.LittleEndian.AppendUint16(ids, 65) // byte 'a': the special, then bytes in GPT-2 order from '!'
	}
	ids = binary.LittleEndian.AppendUint16(ids, 999) // past the vocab of 300
	path := filepath.Join(t.TempDir(), "ids.bin")
	require.NoError(t, os.WriteFile(path, ids, 0o644))
	code, stdout, stderr := bpe(t, "", "decode", "-vocab", vocab, "-merges", merges, "-format", "bin", path)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, fmt.Sprintf("id 999 at position %d", idBatch+5))
	assert.Equal(t, 1, strings.Count(stderr, "\n"))
	assert.True(t, strings.Repeat("a", idBatch+5) == stdout, "want the text of every id before the bad one, got %d bytes", len(stdout))
}

// TestInterruptedExits130 cancels the context as SIGINT would: train stops
// with the interrupted status and writes no tokenizer.
func TestInterruptedExits130(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "train.txt")
	require.NoError(t, os.WriteFile(text, []byte(strings.Repeat(trainText, 50)), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"train", "-vocab-size", "400", "-out", filepath.Join(dir, "tok"), text}, strings.NewReader(""), &out, &errb)
	assert.Equal(t, 130, code, errb.String())
	assert.Equal(t, 1, strings.Count(errb.String(), "\n"), errb.String())
	assert.NoFileExists(t, filepath.Join(dir, "tok", "vocab.json"))
}
