package data

import (
	"errors"
	"io"
	"os"
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
