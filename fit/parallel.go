package fit

import (
	"context"
	"runtime"
	"sync"
)

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
