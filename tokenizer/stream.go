package tokenizer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

const (
	parallelMin = 4 << 20 // Encode splits inputs at least this long across cores
	streamChunk = 1 << 20 // EncodeStream's chunk size
)

// encodeParallel encodes a large in-memory text on all cores.
func (t *Tokenizer) encodeParallel(text []byte) []uint32 {
	workers := runtime.GOMAXPROCS(0)
	size := max(streamChunk, len(text)/(4*workers)+1)
	parts := splitText(text, size, t.specs)
	results := make([][]uint32, len(parts))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := t.getEncoder()
			for i := range next {
				results[i] = e.encode(parts[i], make([]uint32, 0, len(parts[i])/3+8))
			}
			t.putEncoder(e)
		}()
	}
	for i := range parts {
		next <- i
	}
	close(next)
	wg.Wait()
	n := 0
	for _, r := range results {
		n += len(r)
	}
	out := make([]uint32, 0, n)
	for _, r := range results {
		out = append(out, r...)
	}
	return out
}

// EncodeStream encodes everything r yields, calling emit with the ids of
// consecutive pieces of the input in order. It reads in chunks cut where no
// pre-token or special token spans the cut, encodes them on all cores, and
// holds only a few chunks per core in memory. emit runs on the calling
// goroutine; the slice it gets is its own to keep. The first error from r,
// emit or ctx stops the work and is returned.
func (t *Tokenizer) EncodeStream(ctx context.Context, r io.Reader, emit func(ids []uint32) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	type job struct {
		text []byte
		done chan []uint32
	}
	jobs := make(chan job)
	order := make(chan job, 2*workers) // jobs in input order, bounds what is in flight
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := t.getEncoder()
			defer t.putEncoder(e)
			for j := range jobs {
				j.done <- e.encode(j.text, make([]uint32, 0, len(j.text)/3+8))
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		cr := newChunkReader(r, streamChunk, t.specs)
		for {
			text, err := cr.next()
			if errors.Is(err, io.EOF) {
				readErr <- nil
				return
			}
			if err != nil {
				readErr <- err
				return
			}
			j := job{text: text, done: make(chan []uint32, 1)}
			select {
			case order <- j:
			case <-ctx.Done():
				readErr <- nil
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				readErr <- nil
				return
			}
		}
	}()
	var err error
	for j := range order {
		if err != nil {
			continue // drain so the reader can finish
		}
		var ids []uint32
		select {
		case ids = <-j.done:
		case <-ctx.Done():
			err = ctx.Err()
			cancel()
			continue
		}
		if e := emit(ids); e != nil {
			err = fmt.Errorf("emitting ids: %w", e)
			cancel()
		}
	}
	wg.Wait()
	if rerr := <-readErr; err == nil && rerr != nil {
		err = rerr
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}
