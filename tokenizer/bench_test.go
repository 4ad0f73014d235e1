package tokenizer

import (
	"bytes"
	"context"
	"runtime"
	"testing"
)

// englishText is the English fixture text the encoding benchmarks use.
func englishText(b *testing.B) []byte {
	return readFixture(b, "corpus.en")
}

func reportMBs(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
}

// BenchmarkEncodeGPT2 encodes corpus.en with the GPT-2 files on one core.
func BenchmarkEncodeGPT2(b *testing.B) {
	tok := loadGPT2(b)
	text := englishText(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = tok.Encode(text)
	}
	reportMBs(b, len(text))
}

// BenchmarkEncodeGPT2ColdCache is BenchmarkEncodeGPT2 with a fresh encoder
// (empty pre-token cache) for every pass.
func BenchmarkEncodeGPT2ColdCache(b *testing.B) {
	tok := loadGPT2(b)
	text := englishText(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := newEncoder(tok)
		_ = e.encode(text, nil)
	}
	reportMBs(b, len(text))
}

// BenchmarkEncodeStreamGPT2 streams 32 MB of English through EncodeStream on
// all cores; MB/s/core divides by GOMAXPROCS.
func BenchmarkEncodeStreamGPT2(b *testing.B) {
	tok := loadGPT2(b)
	one := englishText(b)
	text := bytes.Repeat(one, (32<<20)/len(one)+1)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		err := tok.EncodeStream(context.Background(), bytes.NewReader(text), func(ids []uint32) error {
			n += len(ids)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	mbs := float64(len(text)) * float64(b.N) / b.Elapsed().Seconds() / 1e6
	b.ReportMetric(mbs, "MB/s")
	b.ReportMetric(mbs/float64(runtime.GOMAXPROCS(0)), "MB/s/core")
}

// BenchmarkTrainCorpus500 trains on corpus.en to vocab 500.
func BenchmarkTrainCorpus500(b *testing.B) {
	text := readFixture(b, "corpus.en")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Train(context.Background(), bytes.NewReader(text), TrainOptions{VocabSize: 500, Specials: []string{"<|endoftext|>"}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/train")
}
