package fit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Resampling schemes recorded in BootResult.Scheme.
const (
	// SchemeRuns resamples the points with replacement (a cases bootstrap).
	SchemeRuns = "runs"
	// SchemeSeedsWithinSizes keeps every size and resamples its seeds with
	// replacement (a stratified bootstrap), used when every size has at
	// least two seeds.
	SchemeSeedsWithinSizes = "seeds within sizes"
)

// maxRedraws bounds the redraws of one degenerate resample.
const maxRedraws = 200

// BootOptions configures a bootstrap.
type BootOptions struct {
	// Resamples is the number of bootstrap resamples (default 1000).
	Resamples int `json:"resamples"`
	// Seed makes the bootstrap deterministic: resample i draws from a PCG
	// stream seeded with (Seed, i), whatever the number of workers.
	Seed uint64 `json:"seed"`
	// Workers fit resamples in parallel (default GOMAXPROCS).
	Workers int `json:"-"`
	// WithinSizes resamples seeds within each size (a stratified bootstrap)
	// when every size has at least two seeds. Off by default: with two or
	// three seeds per size it underestimates the spread by the factor
	// (m−1)/m and gave a false "exponent shift" in 24% (m = 2) and 10%
	// (m = 3) of simulated null sweeps, against 2–5% for resampling runs.
	WithinSizes bool `json:"within_sizes"`
}

func (o BootOptions) withDefaults() BootOptions {
	if o.Resamples <= 0 {
		o.Resamples = 1000
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// BootResult holds the parameter vectors of the successful resamples.
type BootResult struct {
	Scheme    string      `json:"scheme"`
	Requested int         `json:"requested"`
	Used      int         `json:"used"`
	Failed    int         `json:"failed"`  // resamples whose fit failed or stayed degenerate
	Redrawn   int         `json:"redrawn"` // degenerate resamples drawn again
	Draws     [][]float64 `json:"-"`       // Used parameter vectors, in resample order
}

// sizeKey groups the points of one model size (several seeds).
func sizeKey(p Point) [2]float64 {
	if p.N > 0 {
		return [2]float64{p.N, p.D}
	}
	return [2]float64{p.C, 0}
}

// chooseScheme picks the stratified scheme when every size has at least two
// points, else the plain runs bootstrap.
func chooseScheme(pts []Point) (string, [][]int) {
	groups := map[[2]float64][]int{}
	var order [][2]float64
	for i, p := range pts {
		k := sizeKey(p)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	strat := len(order) > 1
	out := make([][]int, 0, len(order))
	for _, k := range order {
		if len(groups[k]) < 2 {
			strat = false
		}
		out = append(out, groups[k])
	}
	if strat {
		return SchemeSeedsWithinSizes, out
	}
	return SchemeRuns, nil
}

// Bootstrap refits form on resamples of pts, each starting from est (the fit
// on all of pts). By default every run (every size and seed) is resampled
// with replacement; see BootOptions.WithinSizes for the stratified scheme. A resample with fewer distinct sizes than the form has
// parameters is degenerate and drawn again (up to 200 times); a resample
// whose fit fails is counted in Failed and left out.
func Bootstrap(ctx context.Context, form Form, pts []Point, est Estimate, opts BootOptions) (*BootResult, error) {
	opts = opts.withDefaults()
	if len(pts) == 0 {
		return nil, fmt.Errorf("bootstrap %s: no points", form.Name())
	}
	scheme, groups := SchemeRuns, [][]int(nil)
	if opts.WithinSizes {
		scheme, groups = chooseScheme(pts)
	}
	need := len(form.ParamNames())
	type out struct {
		th      []float64
		redrawn int
		ok      bool
	}
	outs := make([]out, opts.Resamples)
	err := forEachIndex(ctx, opts.Resamples, opts.Workers, func() func(int) {
		buf := make([]Point, len(pts))
		return func(i int) {
			rng := rand.New(rand.NewPCG(opts.Seed, uint64(i)))
			o := out{}
			for {
				resample(rng, pts, groups, buf)
				if distinct(form, buf) >= need || o.redrawn >= maxRedraws {
					break
				}
				o.redrawn++
			}
			if distinct(form, buf) >= need {
				if e, err := form.Fit(ctx, buf, est.Params); err == nil {
					o.th, o.ok = e.Params, true
				}
			}
			outs[i] = o
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bootstrap %s: %w", form.Name(), err)
	}
	res := &BootResult{Scheme: scheme, Requested: opts.Resamples}
	for _, o := range outs {
		res.Redrawn += o.redrawn
		if !o.ok {
			res.Failed++
			continue
		}
		res.Draws = append(res.Draws, o.th)
	}
	res.Used = len(res.Draws)
	return res, nil
}

// resample fills buf with a bootstrap resample of pts: within each group
// when groups is non-nil, else over all points.
func resample(rng *rand.Rand, pts []Point, groups [][]int, buf []Point) {
	if groups == nil {
		for i := range buf {
			buf[i] = pts[rng.IntN(len(pts))]
		}
		return
	}
	k := 0
	for _, g := range groups {
		for range g {
			buf[k] = pts[g[rng.IntN(len(g))]]
			k++
		}
	}
}

// Column returns the j-th parameter of every draw.
func (b *BootResult) Column(j int) []float64 {
	out := make([]float64, len(b.Draws))
	for i, d := range b.Draws {
		out[i] = d[j]
	}
	return out
}

// Interval is the interval between the tail and 1−tail quantiles of f
// over the draws.
func (b *BootResult) Interval(f func(th []float64) float64, tail float64) (lo, hi float64) {
	xs := make([]float64, len(b.Draws))
	for i, d := range b.Draws {
		xs[i] = f(d)
	}
	return interval(xs, tail)
}

// forEachIndex calls a worker function for every index in [0, n) on up to
// workers goroutines (GOMAXPROCS when workers <= 0). newWorker is called
// once per goroutine, so each worker can own its scratch space. When ctx is
// cancelled no further indices are handed out, and forEachIndex returns
// ctx's error once the running calls finish.
func forEachIndex(ctx context.Context, n, workers int, newWorker func() func(i int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		work := newWorker()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				work(i)
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case <-ctx.Done():
			break feed
		case next <- i:
		}
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}
