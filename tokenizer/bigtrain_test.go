package tokenizer

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkTrain100MB trains vocab 8192 on 100 MB of English-like text (see
// englishLike) read from a file: "typical" mutates 2.5% of the words (about
// 260 thousand distinct pre-tokens), "diverse" 25% (millions). It is slow,
// so it runs only with TOKENIZER_BIG=1:
//
//	TOKENIZER_BIG=1 go test -run '^$' -bench Train100MB -benchtime 1x -cpu 2 ./tokenizer
//
// It reports wall-clock seconds, CPU seconds (all threads), the number of
// distinct pre-tokens and the process's peak resident memory (VmHWM, which
// includes the test binary itself).
func BenchmarkTrain100MB(b *testing.B) {
	for _, c := range []struct {
		name   string
		mutate int
	}{{"typical", 25}, {"diverse", 250}} {
		b.Run(c.name, func(b *testing.B) { benchTrain100MB(b, c.mutate) })
	}
}

func benchTrain100MB(b *testing.B, mutatePerMille int) {
	if os.Getenv("TOKENIZER_BIG") == "" {
		b.Skip("set TOKENIZER_BIG=1 to train on 100 MB")
	}
	path := filepath.Join(b.TempDir(), "english100mb.txt")
	f, err := os.Create(path)
	require.NoError(b, err)
	englishLike(b, f, 100<<20, 1, mutatePerMille)
	require.NoError(b, f.Close())
	runtime.GC()
	debug.FreeOSMemory()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		require.NoError(b, err)
		start := time.Now()
		tok, err := Train(context.Background(), f, TrainOptions{VocabSize: 8192, Specials: []string{"<|endoftext|>"}})
		require.NoError(b, err)
		require.NoError(b, f.Close())
		require.Equal(b, 8192, tok.VocabSize())
		b.Logf("trained in %v on %d cores", time.Since(start), runtime.GOMAXPROCS(0))
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/train")
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/train")
	b.ReportMetric(float64(peakRSS(b))/(1<<20), "MiB-peak-RSS")
	// Counted after the peak was read, so as not to raise it.
	f, err = os.Open(path)
	require.NoError(b, err)
	defer f.Close()
	wc, err := countPretokens(context.Background(), f, newSpecialSet([]string{"<|endoftext|>"}, []uint32{0}), nil)
	require.NoError(b, err)
	b.ReportMetric(float64(len(wc.words)), "distinct-pretokens")
}

// peakRSS reads the process's peak resident set size from /proc.
func peakRSS(tb testing.TB) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Logf("no /proc/self/status: %v", err)
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
