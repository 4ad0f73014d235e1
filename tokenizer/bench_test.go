package tokenizer

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"
)

// englishText is the English fixture text the encoding benchmarks use.
func englishText(b *testing.B) []byte {
	return readFixture(b, "corpus.en")
}

// reportMBs reports wall-clock MB/s and MB per CPU-second of the process
// (cpu0 is processCPU() when timing started).
func reportMBs(b *testing.B, n int, cpu0 time.Duration) {
	mb := float64(n) * float64(b.N) / 1e6
	b.ReportMetric(mb/b.Elapsed().Seconds(), "MB/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(mb/cpu.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkEncodeGPT2 encodes corpus.en with the GPT-2 files on one core.
func BenchmarkEncodeGPT2(b *testing.B) {
	tok := loadGPT2(b)
	text := englishText(b)
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		_ = tok.Encode(text)
	}
	reportMBs(b, len(text), cpu0)
}

// BenchmarkEncodeGPT2ColdCache is BenchmarkEncodeGPT2 with a fresh encoder
// (empty pre-token cache) for every pass.
func BenchmarkEncodeGPT2ColdCache(b *testing.B) {
	tok := loadGPT2(b)
	text := englishText(b)
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		e := newEncoder(tok)
		_ = e.encode(text, nil)
	}
	reportMBs(b, len(text), cpu0)
}

// BenchmarkEncodeStreamGPT2 streams 32 MB of English through EncodeStream on
// all cores (-cpu sets how many). MB/s/core divides the wall-clock speed by
// GOMAXPROCS; MB/cpu-s divides by the CPU time used, so that it stays
// constant when the work scales linearly, whatever else loads the machine.
func BenchmarkEncodeStreamGPT2(b *testing.B) {
	tok := loadGPT2(b)
	one := englishText(b)
	text := bytes.Repeat(one, (32<<20)/len(one)+1)
	b.ResetTimer()
	cpu0 := processCPU()
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
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(text))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
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
