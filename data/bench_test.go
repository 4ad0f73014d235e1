package data

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/empirical-scaling/harness/data/synth"
	"github.com/empirical-scaling/harness/tokenizer"
	"github.com/stretchr/testify/require"
)

// BenchmarkEncodeCorpus measures corpus encoding end to end (documents →
// text stream → tokenizer on all cores → checksummed shard on disk)
// against its peer, the tokenizer's EncodeStream alone over the same text
// in memory, so the pipeline's own overhead is the ratio of the two.
func BenchmarkEncodeCorpus(b *testing.B) {
	const size = 16 << 20
	c := newSynthCorpus(synth.Spec{Knobs: synth.Knobs{}.WithDefaults()}, 1, size)
	it, _, err := c.open(false)
	require.NoError(b, err)
	text, err := io.ReadAll(newDocReader(it))
	require.NoError(b, err)
	tok, err := tokenizer.Train(context.Background(), bytes.NewReader(text[:4<<20]), tokenizer.TrainOptions{VocabSize: DefaultVocabSynthetic, Specials: []string{EOT}})
	require.NoError(b, err)
	opts := Options{}

	b.Run("pipeline", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		path := filepath.Join(b.TempDir(), "train.bin")
		for i := 0; i < b.N; i++ {
			_, _, _, err := encodePart(context.Background(), opts, tok, c, false, path)
			require.NoError(b, err)
		}
		b.ReportMetric(float64(len(text))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	})
	b.Run("peer=EncodeStream", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for i := 0; i < b.N; i++ {
			err := tok.EncodeStream(context.Background(), bytes.NewReader(text), func([]uint32) error { return nil })
			require.NoError(b, err)
		}
		b.ReportMetric(float64(len(text))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	})
}

// BenchmarkPrepareCached is the cost of a second Prepare call: hashing
// nothing (synthetic), opening and checksumming both shards, loading the
// tokenizer.
func BenchmarkPrepareCached(b *testing.B) {
	opts := Options{Source: "synthetic", CacheDir: b.TempDir(), SyntheticBytes: 16 << 20}
	ds, err := Prepare(context.Background(), opts)
	require.NoError(b, err)
	require.NoError(b, ds.Close())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ds, err := Prepare(context.Background(), opts)
		require.NoError(b, err)
		require.True(b, ds.Cached)
		require.NoError(b, ds.Close())
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/open")
}
