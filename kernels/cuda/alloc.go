package cuda

import (
	"fmt"
	"math/bits"
	"sync"

	"github.com/empirical-scaling/harness/tensor"
)

// memory is the part of the driver the allocator needs; tests give it a fake.
type memory interface {
	memAlloc(bytes int) (uint64, error)
	memFree(ptr uint64) error
	memGetInfo() (free, total uint64, err error)
}

// minBlock is the smallest block the allocator hands out; blocks are also
// aligned to it (cuMemAlloc returns 256-byte-aligned addresses).
const minBlock = 512

// sizeClass rounds a request up to the block size actually reserved:
// multiples of 512 bytes up to 64 KiB, then four classes per power of two
// (at most 25% slack). A training step asks for the same sizes every step,
// so after the first step every request is served from the cache.
func sizeClass(bytes int) int {
	if bytes <= 0 {
		return minBlock
	}
	if bytes <= 64<<10 {
		return (bytes + minBlock - 1) / minBlock * minBlock
	}
	p := bits.Len(uint(bytes - 1)) // 2^p ≥ bytes > 2^(p-1)
	step := 1 << (p - 3)           // a quarter of 2^(p-1)
	return (bytes + step - 1) / step * step
}

// allocator is a caching allocator: freed blocks go to a free list per
// size class and are handed out again; the system is asked only on a miss.
// When the system is out of memory the cache is released and the request
// retried once before giving up with a message that says how much was
// asked and how much is free.
type allocator struct {
	mu   sync.Mutex
	mem  memory
	free map[int][]uint64 // size class → cached blocks
	live int64
	res  int64
	sys  int64
}

func newAllocator(mem memory) *allocator {
	return &allocator{mem: mem, free: make(map[int][]uint64)}
}

// alloc returns a block of at least bytes bytes and its size class.
// LiveBytes counts the bytes asked for; ReservedBytes the blocks' sizes.
func (a *allocator) alloc(bytes int) (uint64, int, error) {
	class := sizeClass(bytes)
	a.mu.Lock()
	defer a.mu.Unlock()
	if l := a.free[class]; len(l) > 0 {
		p := l[len(l)-1]
		a.free[class] = l[:len(l)-1]
		a.live += int64(bytes)
		return p, class, nil
	}
	p, err := a.mem.memAlloc(class)
	if err != nil && IsOutOfMemory(err) {
		a.releaseLocked()
		p, err = a.mem.memAlloc(class)
	}
	if err != nil {
		if IsOutOfMemory(err) {
			free, total, ierr := a.mem.memGetInfo()
			if ierr != nil {
				return 0, 0, fmt.Errorf("cuda: allocate %d bytes (block %d): %w: %w (and cuMemGetInfo failed: %v)", bytes, class, ErrOutOfMemory, err, ierr)
			}
			return 0, 0, fmt.Errorf("cuda: allocate %d bytes (block %d): %w: %d bytes free of %d, %d in use by this process (%d reserved): %w",
				bytes, class, ErrOutOfMemory, free, total, a.live, a.res, err)
		}
		return 0, 0, fmt.Errorf("cuda: allocate %d bytes: %w", bytes, err)
	}
	a.sys++
	a.res += int64(class)
	a.live += int64(bytes)
	return p, class, nil
}

// release returns a block of size class class, handed out for bytes
// bytes, to the cache.
func (a *allocator) release(p uint64, class, bytes int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.free[class] = append(a.free[class], p)
	a.live -= int64(bytes)
}

// emptyCache gives every cached block back to the system.
func (a *allocator) emptyCache() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.releaseLocked()
}

func (a *allocator) releaseLocked() error {
	var first error
	for class, l := range a.free {
		for _, p := range l {
			if err := a.mem.memFree(p); err != nil && first == nil {
				first = err
			}
			a.res -= int64(class)
		}
		delete(a.free, class)
	}
	return first
}

func (a *allocator) stats() tensor.MemStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return tensor.MemStats{SystemAllocs: a.sys, LiveBytes: a.live, ReservedBytes: a.res}
}
