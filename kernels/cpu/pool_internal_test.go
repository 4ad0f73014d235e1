package cpu

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParallelForCoversEachIndexOnce(t *testing.T) {
	for _, c := range []struct{ n, cost, grain int }{
		{0, 1, 1}, {1, 1, 1}, {3, 1, 1}, {5000, 1, 1}, {5000, 1, 4096}, {100003, 1, 16}, {17, 10000, 1}, {64, 100000, 3},
	} {
		t.Run(fmt.Sprintf("n=%d,cost=%d,grain=%d", c.n, c.cost, c.grain), func(t *testing.T) {
			hits := make([]atomic.Int32, c.n)
			parallelFor(c.n, c.cost, c.grain, func(lo, hi int) {
				assert.True(t, lo < hi && hi <= c.n, "range [%d, %d)", lo, hi)
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			})
			for i := range hits {
				if hits[i].Load() != 1 {
					t.Fatalf("index %d visited %d times", i, hits[i].Load())
				}
			}
		})
	}
}

// TestParallelForConcurrentCallers runs many parallelFor calls at once: a
// caller whose helpers are busy must finish its own work, never deadlock.
func TestParallelForConcurrentCallers(t *testing.T) {
	var wg sync.WaitGroup
	var total atomic.Int64
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				parallelFor(10000, 1, 1, func(lo, hi int) { total.Add(int64(hi - lo)) })
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(16*50*10000), total.Load())
}

// TestParallelForUsesHelpers checks that the work really is shared: eight
// chunks that each sleep 20 ms finish well before the 160 ms one worker
// would need. (Sleeping needs no CPU, so a busy machine does not make this
// flaky.)
func TestParallelForUsesHelpers(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS ≥ 2")
	}
	// Each chunk waits (up to a generous deadline) until it sees another
	// chunk running at the same time. Serial execution never overlaps; a
	// loaded machine only delays the overlap, so no wall-clock bound is needed.
	var running atomic.Int32
	var overlapped atomic.Bool
	parallelFor(8, 1<<20, 1, func(lo, hi int) {
		running.Add(1)
		defer running.Add(-1)
		deadline := time.Now().Add(5 * time.Second)
		for !overlapped.Load() && time.Now().Before(deadline) {
			if running.Load() >= 2 {
				overlapped.Store(true)
			}
			time.Sleep(time.Millisecond)
		}
	})
	assert.True(t, overlapped.Load(), "no two chunks of parallelFor ran at once: the helpers never took work")
}
