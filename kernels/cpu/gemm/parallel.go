package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelWork is the smallest m·n·k worth spreading over the workers:
// below it, waking them costs more than it saves.
const parallelWork = 64 * 64 * 64

// worthParallel reports whether the problem is big enough, and there is
// more than one P, to spread it over the workers.
func (g *problem) worthParallel() bool {
	return runtime.GOMAXPROCS(0) > 1 && g.work() >= parallelWork
}

// job is one parallel Sgemm call: C cut into pm×pn macro-tiles of tm×tn
// that the caller and the helpers claim one at a time.
type job struct {
	g      problem
	kern   *kernel
	tm, tn int          // tile size (multiples of mr and nr)
	pm, pn int          // tiles along m and along n
	next   atomic.Int64 // next unclaimed tile
	wg     sync.WaitGroup
}

var jobPool = sync.Pool{New: func() any { return new(job) }}

// pool is the process-wide set of helper goroutines; it grows to
// GOMAXPROCS-1 helpers (the caller is the last worker) and never shrinks.
var pool struct {
	mu      sync.Mutex
	helpers int
	jobs    chan *job
}

// helpersFor starts helpers until there are n and returns the job queue.
func helpersFor(n int) chan *job {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.jobs == nil {
		pool.jobs = make(chan *job, 256)
	}
	for pool.helpers < n {
		pool.helpers++
		go helper(pool.jobs)
	}
	return pool.jobs
}

// helper works on queued jobs forever.
func helper(jobs <-chan *job) {
	for j := range jobs {
		j.work()
		j.wg.Done()
	}
}

// work claims and computes tiles until none is left.
func (j *job) work() {
	buf := getBuffers(j.kern)
	defer putBuffers(j.kern, buf)
	tiles := int64(j.pm * j.pn)
	for {
		t := j.next.Add(1) - 1
		if t >= tiles {
			return
		}
		ti, tj := int(t)/j.pn, int(t)%j.pn
		i0, j0 := ti*j.tm, tj*j.tn
		j.g.tile(j.kern, buf, i0, min(i0+j.tm, j.g.m), j0, min(j0+j.tn, j.g.n))
	}
}

// parallel computes the product with kern on GOMAXPROCS workers: the
// caller plus helpers, each taking whole macro-tiles of C.
func (g *problem) parallel(kern *kernel) {
	workers := runtime.GOMAXPROCS(0)
	j := jobPool.Get().(*job)
	j.g, j.kern = *g, kern
	j.tm, j.tn, j.pm, j.pn = split(g.m, g.n, kern.mr, kern.nr, workers)
	j.next.Store(0)
	helpers := min(workers, j.pm*j.pn) - 1
	jobs := helpersFor(workers - 1)
	for range helpers {
		j.wg.Add(1)
		select {
		case jobs <- j:
		default: // queue full: the caller and the helpers already in take up the slack
			j.wg.Done()
		}
	}
	j.work()
	j.wg.Wait()
	j.g = problem{} // drop the slices so the pool does not pin them
	jobPool.Put(j)
}

// split chooses the macro-tiles for w workers: tiles of tm×tn (multiples
// of mr and nr), pm×pn of them. It minimises an estimated makespan in
// units of one multiply-add column: the rounds of tiles each worker runs,
// plus a quarter tile for the straggler (finer tiles balance better when
// another process takes a core), plus the packing that each tile redoes,
// which grows with its perimeter.
func split(m, n, mr, nr, w int) (tm, tn, pm, pn int) {
	best := -1.0
	for a := 1; a <= 8*w; a++ {
		for b := 1; b <= 8*w; b++ {
			ctm := roundUp(ceilDiv(m, a), mr)
			ctn := roundUp(ceilDiv(n, b), nr)
			cpm, cpn := ceilDiv(m, ctm), ceilDiv(n, ctn)
			rounds := float64(ceilDiv(cpm*cpn, w))
			cost := (rounds+0.25)*float64(ctm)*float64(ctn) + rounds*32*float64(ctm+ctn)
			if best < 0 || cost < best {
				best, tm, tn, pm, pn = cost, ctm, ctn, cpm, cpn
			}
		}
	}
	return tm, tn, pm, pn
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }
