package runprogress

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/empirical-scaling/harness/experiment"
)

// TestPlainLinesAreThrottledAndHaveNoCarriageReturn feeds a run's steps
// one simulated second apart: off a terminal the reporter prints the
// first step, then one line per period, and the last step, each a whole
// line without redraws.
func TestPlainLinesAreThrottledAndHaveNoCarriageReturn(t *testing.T) {
	var b strings.Builder
	r := New(&b, false, 10*time.Second)
	t0 := time.Unix(0, 0)
	clock := t0
	r.now = func() time.Time { return clock }
	for step := 1; step <= 35; step++ {
		clock = t0.Add(time.Duration(step) * time.Second)
		val := math.NaN()
		if step == 35 {
			val = 2.5
		}
		r.Step(experiment.Progress{Run: "r1", Step: step, Steps: 35, Tokens: int64(step) * 1000, TrainLoss: 3, ValLoss: val,
			TokensPerSec: 1000, Elapsed: time.Duration(step) * time.Second})
	}
	r.Step(experiment.Progress{Run: "r1", Step: 35, Steps: 35, Done: true})
	out := b.String()
	assert.NotContains(t, out, "\r")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// steps 1, 11, 21, 31 and the last, 35
	if assert.Len(t, lines, 5, out) {
		assert.True(t, strings.HasPrefix(lines[0], "r1: step 1/35 (3%) | train loss 3.0000 | 1.0K tokens | 1000 tok/s | 1s elapsed, 34s left"), lines[0])
		assert.Contains(t, lines[1], "step 11/35")
		assert.Contains(t, lines[4], "step 35/35 (100%) | train loss 3.0000 | val loss 2.5000")
	}
}

// TestBarRedrawsAndEndsItsLine draws a bar (as on a terminal) and checks
// that a run stopping early still ends the line, so that the next message
// starts on its own line.
func TestBarRedrawsAndEndsItsLine(t *testing.T) {
	var b strings.Builder
	r := New(&b, true, 0)
	for step := 1; step <= 3; step++ {
		r.Step(experiment.Progress{Run: "r1", Step: step, Steps: 10, TrainLoss: 3, ValLoss: math.NaN(), TokensPerSec: 5})
	}
	r.Step(experiment.Progress{Run: "r1", Step: 3, Steps: 10, Done: true})
	out := b.String()
	assert.Contains(t, out, "\r")
	assert.True(t, strings.HasSuffix(out, "\n"), "%q", out)
	r.Close() // nothing left to end
	assert.Equal(t, out, b.String())
}

func TestHumanTokens(t *testing.T) {
	for n, want := range map[int64]string{950: "950", 12_300: "12.3K", 4_560_000: "4.56M", 1_200_000_000: "1.20B"} {
		assert.Equal(t, want, HumanTokens(n))
	}
}
