package data

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collectDocs(t *testing.T, it docIter) []string {
	t.Helper()
	var out []string
	for {
		d, err := it.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, string(d))
	}
}

func TestSplitDocuments(t *testing.T) {
	tests := []struct {
		name string
		mode splitMode
		in   string
		want []string
	}{
		{"eot", splitEOT, "a<|endoftext|>b<|endoftext|>c", []string{"a", "b", "c"}},
		{"eot trimmed and empty dropped", splitEOT, "\n a \n<|endoftext|>\n<|endoftext|>  <|endoftext|>b\n", []string{"a", "b"}},
		{"eot keeps blank lines", splitEOT, "p1\n\np2<|endoftext|>q", []string{"p1\n\np2", "q"}},
		{"blank lines", splitBlank, "a\nb\n\nc\n\n\n\nd", []string{"a\nb", "c", "d"}},
		{"blank lines with spaces and CRLF", splitBlank, "a\r\n \t\r\nb\r\n\r\nc", []string{"a", "b", "c"}},
		{"single newline is not a break", splitBlank, "a\nb\nc\n", []string{"a\nb\nc"}},
		{"empty", splitBlank, "", nil},
		{"only blank", splitBlank, "\n\n \n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, collectDocs(t, newScanDocs(strings.NewReader(tc.in), tc.mode)))
			// Reading one byte at a time must not change where documents split.
			assert.Equal(t, tc.want, collectDocs(t, newScanDocs(iotest.OneByteReader(strings.NewReader(tc.in)), tc.mode)), "one byte at a time")
		})
	}
}

func TestDocReaderJoinsWithEOT(t *testing.T) {
	it := newScanDocs(strings.NewReader("a\n\nbb\n\nccc"), splitBlank)
	r := newDocReader(it)
	b, err := io.ReadAll(iotest.HalfReader(r))
	require.NoError(t, err)
	assert.Equal(t, "a"+EOT+"bb"+EOT+"ccc"+EOT, string(b))
	assert.EqualValues(t, 3, r.kept)
	assert.EqualValues(t, 6, r.bytes)
}

func TestHashFileFindsEOTAcrossReads(t *testing.T) {
	dir := t.TempDir()
	for _, at := range []int{0, 1<<20 - 5, 1<<20 - 13, 1 << 20, 3<<20 - 1} {
		text := []byte(strings.Repeat("x", 3<<20+100))
		copy(text[at:], EOT)
		path := dir + "/f.txt"
		require.NoError(t, writeFile(path, text))
		_, n, found, err := hashFile(path)
		require.NoError(t, err)
		assert.EqualValues(t, len(text), n)
		assert.True(t, found, "separator at %d", at)
	}
	require.NoError(t, writeFile(dir+"/g.txt", []byte(strings.Repeat("<|endoftext", 200000))))
	_, _, found, err := hashFile(dir + "/g.txt")
	require.NoError(t, err)
	assert.False(t, found)
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }

// TestBinaryCorpusWarns gives a file of mostly binary bytes as a corpus:
// one warning names the file and the share of bytes that are not text;
// a text file draws none.
func TestBinaryCorpusWarns(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "story.txt")
	require.NoError(t, os.WriteFile(text, []byte(strings.Repeat("A cat sat.\n\nA dog ran.\f\n\n", 200)), 0o644))
	bin := filepath.Join(dir, "image.txt")
	blob := make([]byte, 4096)
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	require.NoError(t, os.WriteFile(bin, append(blob, []byte("\n\nsome words\n\nmore words\n")...), 0o644))

	var log bytes.Buffer
	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) })
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, nil)))
	_, err := scanLocal(context.Background(), text, DefaultTextColumn)
	require.NoError(t, err)
	assert.Empty(t, log.String(), "text draws no warning")
	_, err = scanLocal(context.Background(), bin, DefaultTextColumn)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(log.String(), "\n"), log.String())
	// 27 of the 256 byte values are not text, 16 times each in 4096, over 4122 bytes
	assert.Contains(t, log.String(), "image.txt: 10.5%")
	assert.Contains(t, log.String(), "% of its bytes are not text")
}
