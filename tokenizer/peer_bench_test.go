package tokenizer

// The peer is github.com/pkoukk/tiktoken-go with its offline loader (the
// BPE ranks are embedded, no network), used by tests only:
//
//	go test -run '^$' -bench 'EncodeGPT2$|Tiktoken' ./tokenizer

import (
	"testing"
	"time"
	"unicode/utf8"

	tiktoken "github.com/pkoukk/tiktoken-go"
	loader "github.com/pkoukk/tiktoken-go-loader"
	"github.com/stretchr/testify/require"
)

func tiktokenGPT2(tb testing.TB) *tiktoken.Tiktoken {
	tb.Helper()
	tiktoken.SetBpeLoader(loader.NewOfflineLoader())
	// tiktoken's "gpt2" encoding is r50k_base: same ranks, pattern and special.
	enc, err := tiktoken.GetEncoding(tiktoken.MODEL_R50K_BASE)
	require.NoError(tb, err)
	return enc
}

// TestTiktokenAgrees checks our GPT-2 encoding against tiktoken-go's on the
// fixtures and on text with many special cases.
func TestTiktokenAgrees(t *testing.T) {
	tok := loadGPT2(t)
	enc := tiktokenGPT2(t)
	texts := []string{"  hello   world\n\n\tx  ", "I'm you'll they've we're it's 'S 'LL", "12345 3.14 ½ Ⅻ ٣"}
	for _, name := range fixtureTexts {
		texts = append(texts, string(readFixture(t, name)))
	}
	for _, text := range texts {
		want := enc.Encode(text, []string{"all"}, nil)
		got := tok.Encode([]byte(text))
		require.Equal(t, len(want), len(got))
		for i := range want {
			require.EqualValues(t, want[i], got[i], "token %d", i)
		}
	}
}

// BenchmarkEncodeTiktokenGo is the peer of BenchmarkEncodeGPT2: the same
// text through tiktoken-go's gpt2 (r50k_base) encoding on one core.
func BenchmarkEncodeTiktokenGo(b *testing.B) {
	enc := tiktokenGPT2(b)
	text := string(englishText(b))
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		_ = enc.Encode(text, []string{"all"}, nil)
	}
	reportMBs(b, len(text), cpu0)
}

// BenchmarkEncodeVsTiktokenGo alternates ours and tiktoken-go on the same
// text inside each iteration, so that load from other processes hits both
// alike. It reports wall-clock speeds, speeds per CPU-second of this
// process (GC included; the per-core figure that competing processes do
// not distort), and both ratios.
func BenchmarkEncodeVsTiktokenGo(b *testing.B) {
	tok := loadGPT2(b)
	enc := tiktokenGPT2(b)
	text := englishText(b)
	s := string(text)
	var ours, peer, oursCPU, peerCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0, t0 := processCPU(), time.Now()
		_ = tok.Encode(text)
		c1, t1 := processCPU(), time.Now()
		_ = enc.Encode(s, []string{"all"}, nil)
		c2, t2 := processCPU(), time.Now()
		ours += t1.Sub(t0)
		peer += t2.Sub(t1)
		oursCPU += c1 - c0
		peerCPU += c2 - c1
	}
	mb := float64(len(text)) * float64(b.N) / 1e6
	b.ReportMetric(mb/ours.Seconds(), "ours-MB/s")
	b.ReportMetric(mb/peer.Seconds(), "tiktoken-go-MB/s")
	b.ReportMetric(peer.Seconds()/ours.Seconds(), "x-faster")
	if oursCPU > 0 && peerCPU > 0 {
		b.ReportMetric(mb/oursCPU.Seconds(), "ours-MB/cpu-s")
		b.ReportMetric(mb/peerCPU.Seconds(), "tiktoken-go-MB/cpu-s")
		b.ReportMetric(peerCPU.Seconds()/oursCPU.Seconds(), "x-faster-cpu")
	}
}

// FuzzTiktokenAgrees compares our GPT-2 ids with tiktoken-go's on valid
// UTF-8 (tiktoken-go replaces invalid bytes, so they cannot agree there):
//
//	go test -run '^$' -fuzz FuzzTiktokenAgrees ./tokenizer
func FuzzTiktokenAgrees(f *testing.F) {
	tok := loadGPT2(f)
	enc := tiktokenGPT2(f)
	for _, s := range []string{"Hello world", "I'm  here\n\n\tok ", "Grüße ½ Ⅻ 你好", "<|endoftext|> x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip()
		}
		want := enc.Encode(s, []string{"all"}, nil)
		got := tok.Encode([]byte(s))
		if len(want) != len(got) {
			t.Fatalf("%q: tiktoken-go %v, ours %v", s, want, got)
		}
		for i := range want {
			if uint32(want[i]) != got[i] {
				t.Fatalf("%q: tiktoken-go %v, ours %v", s, want, got)
			}
		}
	})
}
