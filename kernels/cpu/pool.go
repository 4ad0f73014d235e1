package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// minParallel is the smallest amount of work (in elements, or in the unit
// a caller's grain states) worth waking the helpers for.
const minParallel = 4096

// workers is the process-wide helper pool shared by every CPU device: it
// grows to GOMAXPROCS-1 goroutines (the caller is the last worker), started
// on first need and reused by every op, and never shrinks.
var workers struct {
	mu      sync.Mutex
	helpers int
	tasks   chan *task
}

// task is one parallelFor call: chunks of [0, total) claimed one at a time
// by the caller and whichever helpers pick the task up.
type task struct {
	fn     func(lo, hi int)
	total  int
	chunk  int
	chunks int64
	next   atomic.Int64
	wg     sync.WaitGroup
}

// helpersFor starts helpers until there are n and returns the task queue.
func helpersFor(n int) chan *task {
	workers.mu.Lock()
	defer workers.mu.Unlock()
	if workers.tasks == nil {
		workers.tasks = make(chan *task, 256)
	}
	for workers.helpers < n {
		workers.helpers++
		go func(tasks <-chan *task) {
			for t := range tasks {
				t.run()
			}
		}(workers.tasks)
	}
	return workers.tasks
}

// run claims and processes chunks until none are left.
func (t *task) run() {
	for {
		c := t.next.Add(1) - 1
		if c >= t.chunks {
			return
		}
		lo := int(c) * t.chunk
		t.fn(lo, min(lo+t.chunk, t.total))
		t.wg.Done()
	}
}

// parallelFor calls fn on disjoint ranges covering [0, n). cost is the
// work per index (in element-operations); the range is split over the
// workers only when n·cost reaches minParallel, and then into chunks of
// at least grain indices. fn must not call parallelFor itself. Results
// never depend on how the range was split, so fn must write disjoint
// outputs for disjoint ranges.
func parallelFor(n, cost, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	w := runtime.GOMAXPROCS(0)
	if w == 1 || n*max(cost, 1) < minParallel || n <= max(grain, 1) {
		fn(0, n)
		return
	}
	// About four chunks per worker balances uneven chunks (causal attention).
	chunk := max(grain, 1, (n+4*w-1)/(4*w))
	chunks := (n + chunk - 1) / chunk
	if chunks == 1 {
		fn(0, n)
		return
	}
	t := &task{fn: fn, total: n, chunk: chunk, chunks: int64(chunks)}
	t.wg.Add(chunks)
	tasks := helpersFor(w - 1)
	// A plain send: the queue only fills up with tasks that concurrent
	// callers have already finished (each a no-op for the helper that pops
	// it), and skipping the send then left this call serial, as a test
	// run after many concurrent callers showed. Helpers never block, so
	// the queue always drains.
	for range min(w-1, chunks-1) {
		tasks <- t
	}
	t.run()
	t.wg.Wait()
}
