package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func chronicle(t testing.TB, seed uint64, k Knobs) *Chronicle {
	t.Helper()
	c, err := NewKnowledge(seed, k)
	require.NoError(t, err)
	return c
}

// docs draws n documents from any of the package's generators.
func docs(g interface{ AppendStory([]byte) []byte }, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(g.AppendStory(nil))
	}
	return out
}

func TestKnowledgeDeterministicBySeed(t *testing.T) {
	tests := []struct {
		name string
		a, b uint64
		ka   Knobs
		kb   Knobs
		same bool
	}{
		{"same seed", 7, 7, Knobs{}, Knobs{}, true},
		{"other seed", 7, 8, Knobs{}, Knobs{}, false},
		{"other zipf", 7, 7, Knobs{}, Knobs{Zipf: 2}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := docs(chronicle(t, tc.a, tc.ka), 200), docs(chronicle(t, tc.b, tc.kb), 200)
			if tc.same {
				assert.Equal(t, a, b)
			} else {
				assert.NotEqual(t, a, b)
			}
		})
	}
}

// goldenKnowledgeSHA256 pins the text of seed 1's first 300 documents
// with the default knobs. Caches are keyed on KnowledgeVersion, so a
// change to the word lists, the templates, the Zipf table or the drawing
// order must bump KnowledgeVersion and then update this value.
const goldenKnowledgeSHA256 = "2123aec8f40d452ef11801a48b8ce5d799d4064bc59bc49e596e3b615ffc4ccd"

func TestKnowledgeGoldenOutput(t *testing.T) {
	h := sha256.New()
	for _, d := range docs(chronicle(t, 1, Knobs{}), 300) {
		h.Write([]byte(d))
		h.Write([]byte(Separator))
	}
	got := hex.EncodeToString(h.Sum(nil))
	require.Equalf(t, goldenKnowledgeSHA256, got, "the chronicle's output changed: bump synth.KnowledgeVersion (now %d) and set goldenKnowledgeSHA256 to %s", KnowledgeVersion, got)
}

// The subjects' frequencies follow the Zipf law the knobs ask for: the
// slope of log frequency against log rank over the head is -s.
func TestKnowledgeZipfFrequencies(t *testing.T) {
	for _, s := range []float64{1.3, 1.5, 2} {
		t.Run(strings.TrimRight(strings.TrimRight(Knobs{Zipf: s}.String()[5:9], "0"), ","), func(t *testing.T) {
			c := chronicle(t, 3, Knobs{Zipf: s})
			counts := map[int]int{}
			const n = 200_000
			for i := 0; i < n; i++ {
				c.AppendStory(nil)
				counts[c.Subject()]++
			}
			// Regress log count on log rank over ranks 1..30 (the
			// rank → person map is the world's).
			var sx, sy, sxx, sxy float64
			const top = 30
			for r := 0; r < top; r++ {
				x, y := math.Log(float64(r+1)), math.Log(float64(counts[c.w.Entity(r)]))
				sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
			}
			slope := (top*sxy - sx*sy) / (top*sxx - sx*sx)
			assert.InDelta(t, -s, slope, 0.08, "log-log slope of subject frequencies")
			assert.InDelta(t, float64(counts[c.w.Entity(0)])/n, c.w.zipfMass(1), 0.01, "top person's share")
		})
	}
}

// The tail is long: the number of different people met grows like
// n^(1/s) with the number of documents n, with no end in sight at the
// sizes a CPU trains on, so larger runs always have more to learn.
func TestKnowledgeTailKeepsGrowing(t *testing.T) {
	c := chronicle(t, 4, Knobs{Zipf: 1.5})
	seen := map[int]bool{}
	var at10k int
	for i := 1; i <= 100_000; i++ {
		c.AppendStory(nil)
		seen[c.Subject()] = true
		if i == 10_000 {
			at10k = len(seen)
		}
	}
	ratio := float64(len(seen)) / float64(at10k)
	t.Logf("distinct subjects: %d in 10K documents, %d in 100K (ratio %.2f; n^(1/s) predicts %.2f)", at10k, len(seen), ratio, math.Pow(10, 1/1.5))
	assert.InDelta(t, math.Pow(10, 1/1.5), ratio, 0.6)
}

// The knowledge is the world's, not the stream's, and a document is a
// pure function of its subject: every document about a person is the
// same text, in the training stream and in a validation stream of
// another seed alike. So the only thing a perfect model cannot predict
// is who the next document is about.
func TestKnowledgeDocumentIsItsSubject(t *testing.T) {
	w, err := NewWorld(9, Knobs{})
	require.NoError(t, err)
	first := map[int]string{}
	shared, checked := 0, 0
	for _, seed := range []uint64{9, 12345} {
		c := w.Stream(seed)
		for i := 0; i < 5000; i++ {
			d := string(c.AppendStory(nil))
			if prev, ok := first[c.Subject()]; ok {
				require.Equal(t, prev, d, "person %d", c.Subject())
				checked++
				if seed != 9 {
					shared++
				}
			} else {
				first[c.Subject()] = d
			}
			require.True(t, strings.HasPrefix(d, w.Name(c.Subject())+" "), d)
		}
	}
	assert.Greater(t, shared, 1000, "validation documents about people the training stream described")
	assert.Greater(t, checked, 5000)
	a, b := docs(w.Stream(9), 50), docs(w.Stream(12345), 50)
	assert.NotEqual(t, a, b, "streams of different seeds tell different documents")
}

func TestKnowledgeReadable(t *testing.T) {
	c := chronicle(t, 2, Knobs{})
	for i := 0; i < 2000; i++ {
		d := string(c.AppendStory(nil))
		require.NotContains(t, d, "{")
		require.NotContains(t, d, "  ")
		require.True(t, d[0] >= 'A' && d[0] <= 'Z', d)
		require.True(t, strings.HasSuffix(d, "."), d)
		for _, r := range d {
			require.True(t, r == ' ' || r == ',' || r == '.' || r == ':' || r == '-' || r == '\'' ||
				r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9', "%q in %q", r, d)
		}
		sentences := strings.Split(strings.TrimSuffix(d, "."), ". ")
		require.GreaterOrEqual(t, len(sentences), 1)
		for _, s := range sentences {
			require.True(t, s[0] >= 'A' && s[0] <= 'Z', "sentence %q starts lower case", s)
		}
		for j, w := range strings.Fields(d)[1:] {
			prev := strings.Fields(d)[j]
			if prev == "a" || prev == "an" {
				assert.Equalf(t, strings.ContainsRune("aeiou", rune(w[0])), prev == "an", "%q", d)
			}
		}
	}
}

func TestKnowledgeNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range surnames {
		require.False(t, seen[s], "surname %s twice", s)
		seen[s] = true
	}
	require.Len(t, surnames, 4096)
	require.Len(t, towns, 128)
	w, err := NewWorld(1, Knobs{Entities: 5000})
	require.NoError(t, err)
	names := map[string]bool{}
	people := map[int]bool{}
	for r := 0; r < 5000; r++ {
		e := w.Entity(r)
		people[e] = true
		names[w.Name(e)] = true
	}
	assert.Len(t, people, 5000, "rank → person is a bijection")
	assert.Len(t, names, 5000, "every person has their own name")
}

func TestKnobs(t *testing.T) {
	tests := []struct {
		k     Knobs
		errIs string
	}{
		{Knobs{}, ""},
		{Knobs{Zipf: 1.01, Entities: 2}, ""},
		{Knobs{Zipf: 1}, "zipf exponent 1"},
		{Knobs{Zipf: 5}, "zipf exponent 5"},
		{Knobs{Entities: 1}, "1 entities"},
		{Knobs{Entities: MaxEntities + 1}, "entities"},
	}
	for _, tc := range tests {
		err := tc.k.WithDefaults().Validate()
		if tc.errIs == "" {
			assert.NoError(t, err, "%+v", tc.k)
		} else {
			assert.ErrorContains(t, err, tc.errIs, "%+v", tc.k)
		}
	}
	_, err := NewWorld(1, Knobs{Zipf: 0.5})
	assert.ErrorContains(t, err, "zipf exponent 0.5")
}

func TestPredictedExponents(t *testing.T) {
	tests := []struct {
		zipf              float64
		alpha, d, n, comp float64
	}{
		{1.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 6},
		{2, 1, 0.5, 0.5, 0.25},
		{1.25, 0.25, 0.2, 0.2, 0.1},
	}
	for _, tc := range tests {
		e := Knobs{Zipf: tc.zipf}.Predicted()
		assert.InDelta(t, tc.alpha, e.Alpha, 1e-12)
		assert.InDelta(t, tc.d, e.D, 1e-12)
		assert.InDelta(t, tc.n, e.FixedRatioN, 1e-12)
		assert.InDelta(t, tc.comp, e.FixedRatioC, 1e-12)
	}
	assert.Equal(t, Knobs{Zipf: DefaultZipf}.Predicted(), Knobs{}.Predicted())
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		want    Spec
		wantErr string
	}{
		{"synthetic", true, Spec{Knobs: Knobs{Zipf: DefaultZipf, Entities: DefaultEntities}}, ""},
		{"synthetic-v1", true, Spec{Stories: true}, ""},
		{"synthetic:zipf=1.3", true, Spec{Knobs: Knobs{Zipf: 1.3, Entities: DefaultEntities}}, ""},
		{"synthetic:zipf=2,entities=1000", true, Spec{Knobs: Knobs{Zipf: 2, Entities: 1000}}, ""},
		{"synthetic: entities=1000 ", true, Spec{Knobs: Knobs{Zipf: DefaultZipf, Entities: 1000}}, ""},
		{"tinystories", false, Spec{}, ""},
		{"/data/text.txt", false, Spec{}, ""},
		{"synthetic:", true, Spec{}, "want name=value"},
		{"synthetic:zipf", true, Spec{}, "want name=value"},
		{"synthetic:zipf=x", true, Spec{}, "not a number"},
		{"synthetic:zipf=0", true, Spec{}, "want more than 1"},
		{"synthetic:zipf=0.9", true, Spec{}, "want more than 1"},
		{"synthetic:entities=0", true, Spec{}, "want 2 to"},
		{"synthetic:entities=1.5", true, Spec{}, "not an integer"},
		{"synthetic:temperature=1", true, Spec{}, "unknown knob"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok, err := ParseSource(tc.in)
			assert.Equal(t, tc.ok, ok)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			if ok {
				back, _, err := ParseSource(got.String())
				require.NoError(t, err)
				assert.Equal(t, got, back, "String round-trips")
			}
		})
	}
}

// detLog, detExp and detPow agree with the math package to near the last
// bit; they exist only to be the same on every machine.
func TestDetMath(t *testing.T) {
	for _, x := range []float64{1e-300, 1e-9, 0.3, 0.70710678, 1, 1.5, 2, 3.7, 1000, 524288, 1e300} {
		assert.InDelta(t, math.Log(x), detLog(x), 1e-14*math.Max(1, math.Abs(math.Log(x))), "log %v", x)
	}
	for _, x := range []float64{-700, -20, -1, -1e-9, 0, 0.5, 1, 7.3, 700} {
		assert.InEpsilon(t, math.Exp(x), detExp(x), 1e-13, "exp %v", x)
	}
	for _, k := range []float64{1, 2, 17, 1000, 524288} {
		for _, s := range []float64{1.01, 1.5, 2, 3.9} {
			assert.InEpsilon(t, math.Pow(k, -s), detPow(k, -s), 1e-13, "%v^-%v", k, s)
		}
	}
}

// BenchmarkKnowledge measures the chronicle against its peer, the
// stories generator, in the same run.
func BenchmarkKnowledge(b *testing.B) {
	run := func(b *testing.B, gen interface{ AppendStory([]byte) []byte }) {
		buf := make([]byte, 0, 1<<20)
		var n int64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			buf = gen.AppendStory(buf[:0])
			n += int64(len(buf))
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds()/1e6, "MB/s")
	}
	b.Run("chronicle", func(b *testing.B) { run(b, chronicle(b, 1, Knobs{})) })
	b.Run("peer=stories", func(b *testing.B) { run(b, New(1)) })
}
