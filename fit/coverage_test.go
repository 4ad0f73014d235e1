package fit

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coverageSets returns the number of simulated data sets: the 200
// when FIT_COVERAGE_FULL=1, else small (always-on CI) counts.
func coverageSets(always int) int {
	if os.Getenv("FIT_COVERAGE_FULL") == "1" {
		return 200
	}
	return always
}

// TestIntervalsCoverTheTruth draws data sets from a known law plus noise,
// fits and bootstraps each, and checks that each parameter's 95% interval
// covers the true value in at least 90% of the sets.
func TestIntervalsCoverTheTruth(t *testing.T) {
	tiny := StartGrid{Alpha: []float64{0.3, 0.6}, Beta: []float64{0.3, 0.6}, LogE: []float64{0, 1}, LogA: []float64{4, 8}, LogB: []float64{4, 8}}
	cases := []struct {
		name      string
		tr        truth
		form      Form
		sets      int
		n         int
		sigma     float64
		resamples int
	}{
		{"loglinear", truthLogLinear, LogLinear{}, coverageSets(200), 24, 0.01, 400},
		{"saturating", truthSaturating, Saturating{}, coverageSets(200), 24, 0.005, 200},
		{"chinchilla", truthChinchilla, Chinchilla{Grid: &tiny, Workers: 1}, coverageSets(40), 60, 0.005, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			np := len(tc.form.ParamNames())
			covered := make([][]bool, tc.sets)
			errs := make([]error, tc.sets)
			var wg sync.WaitGroup
			next := make(chan int)
			for w := 0; w < runtime.GOMAXPROCS(0); w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for s := range next {
						rng := rand.New(rand.NewPCG(2024, uint64(s)))
						pts := synth(rng, tc.tr, tc.n, tc.sigma)
						r, err := FitForm(context.Background(), tc.form, pts, "synthetic", BootOptions{Resamples: tc.resamples, Seed: uint64(s + 1), Workers: 1})
						if err == nil && !r.OK() {
							err = assert.AnError
						}
						if err != nil {
							errs[s] = err
							continue
						}
						c := make([]bool, np)
						for j := range c {
							p := r.Params[j]
							c[j] = float64(p.Lo) <= tc.tr.params[j] && tc.tr.params[j] <= float64(p.Hi)
						}
						covered[s] = c
					}
				}()
			}
			for s := 0; s < tc.sets; s++ {
				next <- s
			}
			close(next)
			wg.Wait()
			for s, err := range errs {
				require.NoError(t, err, "data set %d", s)
			}
			for j, name := range tc.form.ParamNames() {
				hits := 0
				for _, c := range covered {
					if c[j] {
						hits++
					}
				}
				frac := float64(hits) / float64(tc.sets)
				t.Logf("%s %s: 95%% interval covers the truth in %d of %d sets (%.1f%%)", tc.name, name, hits, tc.sets, 100*frac)
				assert.GreaterOrEqual(t, frac, 0.90, "coverage of %s", name)
			}
			t.Logf("%s: %d sets in %v", tc.name, tc.sets, time.Since(start))
		})
	}
}
