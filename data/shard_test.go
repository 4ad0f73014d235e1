package data

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeTestShard(t testing.TB, tokens []uint32, vocab int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.bin")
	require.NoError(t, WriteShard(path, vocab, tokens))
	return path
}

func TestShardRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		tokens []uint32
		vocab  int
	}{
		{"empty", nil, 10},
		{"one", []uint32{3}, 4},
		{"full range", []uint32{0, 65535, 1, 65534, 256}, MaxVocab},
		{"many", seq(100000, 4096), 4096},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := OpenShard(writeTestShard(t, tc.tokens, tc.vocab))
			require.NoError(t, err)
			defer s.Close()
			assert.Equal(t, len(tc.tokens), s.Len())
			assert.Equal(t, tc.vocab, s.VocabSize())
			for i, v := range tc.tokens {
				require.Equal(t, uint16(v), s.Tokens()[i], "token %d", i)
			}
			require.NoError(t, s.Close())
			require.NoError(t, s.Close(), "second close")
		})
	}
}

func seq(n, vocab int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32((i*7919 + i/3) % vocab)
	}
	return out
}

func TestShardWriteRejects(t *testing.T) {
	dir := t.TempDir()
	_, err := CreateShard(filepath.Join(dir, "a"), MaxVocab+1)
	assert.ErrorContains(t, err, "out of range")
	w, err := CreateShard(filepath.Join(dir, "b"), 100)
	require.NoError(t, err)
	assert.ErrorContains(t, w.Write([]uint32{1, 100}), "outside the vocabulary")
	w.Abort()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "an aborted shard leaves nothing behind")
}

func TestShardCorruptionDetected(t *testing.T) {
	tests := []struct {
		name   string
		damage func(b []byte) []byte
		want   string
	}{
		{"truncated payload", func(b []byte) []byte { return b[:len(b)-1] }, "truncated"},
		{"truncated header", func(b []byte) []byte { return b[:20] }, "shorter than the header"},
		{"extra bytes", func(b []byte) []byte { return append(b, 0, 0) }, "truncated or overwritten"},
		{"flipped payload bit", func(b []byte) []byte { b[shardHeaderSize+101] ^= 4; return b }, "payload checksum"},
		{"flipped count", func(b []byte) []byte { b[16] ^= 1; return b }, "header checksum"},
		{"bad magic", func(b []byte) []byte { b[0] = 'X'; return b }, "bad magic"},
		{"empty file", func(b []byte) []byte { return nil }, "shorter than the header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTestShard(t, seq(1000, 500), 500)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, tc.damage(b), 0o644))
			_, err = OpenShard(path)
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), path, "the error names the file")
		})
	}
}

func TestShardMissing(t *testing.T) {
	_, err := OpenShard(filepath.Join(t.TempDir(), "nope.bin"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
