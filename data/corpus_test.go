package data

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/empirical-scaling/harness/data/synth"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func synthFor(t *testing.T, source string, seed uint64, bytes int64) *synthCorpus {
	t.Helper()
	opts, err := Options{Source: source, CacheDir: t.TempDir(), SyntheticBytes: bytes, Seed: seed}.withDefaults()
	require.NoError(t, err)
	c, err := resolveCorpus(context.Background(), opts)
	require.NoError(t, err)
	return c.(*synthCorpus)
}

func TestSynthIdentity(t *testing.T) {
	// The first generator keeps the identity it always had, so caches
	// built before the chronicle stay valid.
	v1 := synthFor(t, "synthetic-v1", 1, 1<<20)
	assert.Equal(t, "synthetic generator v2 seed 1 train 1048576 bytes val 262144 bytes", v1.identity())

	ids := map[string]string{}
	for _, src := range []string{"synthetic-v1", "synthetic", "synthetic:zipf=1.3", "synthetic:zipf=1.3,entities=1000"} {
		id := synthFor(t, src, 1, 1<<20).identity()
		for other, oid := range ids {
			assert.NotEqual(t, oid, id, "%s and %s share a cache key", src, other)
		}
		ids[src] = id
	}
	assert.Contains(t, ids["synthetic"], fmt.Sprintf("knowledge chronicle v%d zipf=1.5,entities=524288", synth.KnowledgeVersion))
	assert.Equal(t, ids["synthetic"], synthFor(t, "synthetic:zipf=1.5", 1, 1<<20).identity(), "the default knobs spelt out are the same data")
}

func readDocs(t *testing.T, c *synthCorpus, val bool, n int) []string {
	t.Helper()
	it, _, err := c.open(val)
	require.NoError(t, err)
	var out []string
	for len(out) < n {
		d, err := it.next()
		require.NoError(t, err)
		out = append(out, string(d))
	}
	return out
}

// Validation documents come from their own stream but tell of the same
// world: their openings (a person's name, job and town) are found among
// the training documents' openings, while the documents themselves are
// a different sequence.
func TestSynthValidationSharesTheWorld(t *testing.T) {
	c := synthFor(t, "synthetic", 5, 4<<20)
	train, val := readDocs(t, c, false, 3000), readDocs(t, c, true, 300)
	assert.NotEqual(t, train[:300], val)
	opening := func(d string) string { return d[:strings.Index(d, ".")+1] }
	known := map[string]bool{}
	for _, d := range train {
		known[opening(d)] = true
	}
	hits := 0
	for _, d := range val {
		if known[opening(d)] {
			hits++
		}
	}
	assert.Greater(t, hits, 150, "validation openings already told in training")
}

func TestIsSynthetic(t *testing.T) {
	tests := []struct {
		in      string
		want    bool
		wantErr string
	}{
		{"synthetic", true, ""},
		{"synthetic-v1", true, ""},
		{"synthetic:zipf=2", true, ""},
		{"synthetic:zipf=1", true, "want more than 1"},
		{"tinystories", false, ""},
		{"corpus.txt", false, ""},
	}
	for _, tc := range tests {
		got, err := IsSynthetic(tc.in)
		assert.Equal(t, tc.want, got, tc.in)
		if tc.wantErr != "" {
			assert.ErrorContains(t, err, tc.wantErr, tc.in)
		} else {
			assert.NoError(t, err, tc.in)
		}
	}
	_, err := Prepare(context.Background(), Options{Source: "synthetic:zipf=0.5", CacheDir: t.TempDir()})
	assert.ErrorContains(t, err, "zipf=0.5")
}

// The first generator stays reachable by name: its shard is exactly the
// stories of the seed.
func TestPrepareSyntheticV1(t *testing.T) {
	ds := prepare(t, Options{Source: "synthetic-v1", CacheDir: t.TempDir(), SyntheticBytes: 100 << 10, VocabSize: 300, Seed: 3})
	text := decode(t, ds, ds.Train.Tokens())
	g := synth.New(3)
	var want strings.Builder
	for want.Len() < len(text) {
		want.Write(g.AppendStory(nil))
		want.WriteString(EOT)
	}
	require.Equal(t, want.String()[:len(text)], text)
}
