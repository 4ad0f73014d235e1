package cuda

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeMemory is a device with capacity bytes that hands out fake addresses.
type fakeMemory struct {
	capacity, used int
	next           uint64
	live           map[uint64]int
	allocs, frees  int
	failInfo       bool
}

func newFakeMemory(capacity int) *fakeMemory {
	return &fakeMemory{capacity: capacity, next: 1 << 20, live: map[uint64]int{}}
}

func (f *fakeMemory) memAlloc(bytes int) (uint64, error) {
	if f.used+bytes > f.capacity {
		return 0, &Error{Call: "cuMemAlloc_v2", Code: resultOutOfMemory, Name: resultName(resultOutOfMemory), Desc: "out of memory"}
	}
	f.allocs++
	p := f.next
	f.next += uint64(bytes)
	f.used += bytes
	f.live[p] = bytes
	return p, nil
}

func (f *fakeMemory) memFree(p uint64) error {
	n, ok := f.live[p]
	if !ok {
		return fmt.Errorf("fake: free of unknown %#x", p)
	}
	f.frees++
	f.used -= n
	delete(f.live, p)
	return nil
}

func (f *fakeMemory) memGetInfo() (uint64, uint64, error) {
	if f.failInfo {
		return 0, 0, errors.New("fake: no info")
	}
	return uint64(f.capacity - f.used), uint64(f.capacity), nil
}

func TestSizeClass(t *testing.T) {
	tests := []struct{ in, want int }{
		{0, 512}, {1, 512}, {512, 512}, {513, 1024}, {64 << 10, 64 << 10},
		{64<<10 + 1, 80 << 10}, {100 << 10, 112 << 10}, {128 << 10, 128 << 10},
		{1 << 30, 1 << 30}, {1<<30 + 1, 1<<30 + 1<<28},
	}
	for _, tt := range tests {
		got := sizeClass(tt.in)
		assert.Equalf(t, tt.want, got, "sizeClass(%d)", tt.in)
		assert.GreaterOrEqual(t, got, tt.in)
		if tt.in > 64<<10 {
			assert.LessOrEqualf(t, float64(got), 1.25*float64(tt.in), "slack over 25%% for %d", tt.in)
		}
	}
}

// A training step that frees and re-allocates the same sizes must not go
// to the system again after its first step.
func TestAllocatorSteadyStateMakesNoSystemAllocs(t *testing.T) {
	mem := newFakeMemory(1 << 30)
	a := newAllocator(mem)
	step := func() {
		sizes := []int{4096, 100_000, 3 << 20, 4096, 17, 3 << 20}
		type blk struct {
			p            uint64
			class, bytes int
		}
		var held []blk
		for _, s := range sizes {
			p, c, err := a.alloc(s)
			require.NoError(t, err)
			held = append(held, blk{p, c, s})
		}
		for _, b := range held {
			a.release(b.p, b.class, b.bytes)
		}
	}
	step()
	first := a.stats().SystemAllocs
	assert.Equal(t, int64(6), first)
	for i := 0; i < 5; i++ {
		step()
	}
	st := a.stats()
	assert.Equal(t, first, st.SystemAllocs, "steady-state steps must be served from the cache")
	assert.Equal(t, int64(0), st.LiveBytes)
	assert.Equal(t, int64(mem.used), st.ReservedBytes)
	assert.Equal(t, 6, mem.allocs)
}

func TestAllocatorStatsAndReuse(t *testing.T) {
	a := newAllocator(newFakeMemory(1 << 20))
	p1, c1, err := a.alloc(1000)
	require.NoError(t, err)
	assert.Equal(t, 1024, c1)
	assert.Equal(t, int64(1000), a.stats().LiveBytes, "live bytes count what was asked for")
	a.release(p1, c1, 1000)
	assert.Equal(t, int64(0), a.stats().LiveBytes)
	assert.Equal(t, int64(1024), a.stats().ReservedBytes)
	p2, _, err := a.alloc(900) // same class: the cached block comes back
	require.NoError(t, err)
	assert.Equal(t, p1, p2)
	assert.Equal(t, int64(1), a.stats().SystemAllocs)
}

func TestAllocatorReleasesCacheBeforeGivingUp(t *testing.T) {
	mem := newFakeMemory(4 << 20)
	a := newAllocator(mem)
	p, c, err := a.alloc(3 << 20)
	require.NoError(t, err)
	a.release(p, c, 3<<20) // cached, still reserved
	_, _, err = a.alloc(2 << 20)
	require.NoError(t, err, "the cached 3 MiB block must be freed to make room")
	assert.Equal(t, 1, mem.frees)
}

func TestAllocatorOutOfMemoryError(t *testing.T) {
	tests := []struct {
		name     string
		failInfo bool
		want     []string
	}{
		{"with cuMemGetInfo", false, []string{"allocate 5000000 bytes", "1048576 bytes free of 1048576", "CUDA_ERROR_OUT_OF_MEMORY", "cuMemAlloc_v2"}},
		{"without cuMemGetInfo", true, []string{"allocate 5000000 bytes", "cuMemGetInfo failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := newFakeMemory(1 << 20)
			mem.failInfo = tt.failInfo
			a := newAllocator(mem)
			_, _, err := a.alloc(5_000_000)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.True(t, errors.Is(err, ErrOutOfMemory))
			assert.True(t, IsOutOfMemory(err))
		})
	}
}

func TestAllocatorOtherErrorsPassThrough(t *testing.T) {
	a := newAllocator(brokenMemory{})
	_, _, err := a.alloc(10)
	require.ErrorContains(t, err, "CUDA_ERROR_INVALID_CONTEXT")
	assert.False(t, IsOutOfMemory(err))
}

type brokenMemory struct{}

func (brokenMemory) memAlloc(int) (uint64, error) {
	return 0, &Error{Call: "cuMemAlloc_v2", Code: resultInvalidContext, Name: resultName(resultInvalidContext)}
}
func (brokenMemory) memFree(uint64) error                { return nil }
func (brokenMemory) memGetInfo() (uint64, uint64, error) { return 0, 0, nil }

func TestAllocatorEmptyCache(t *testing.T) {
	mem := newFakeMemory(1 << 20)
	a := newAllocator(mem)
	var ps []uint64
	for i := 0; i < 3; i++ {
		p, _, err := a.alloc(2048)
		require.NoError(t, err)
		ps = append(ps, p)
	}
	for _, p := range ps[:2] {
		a.release(p, 2048, 2048)
	}
	require.NoError(t, a.emptyCache())
	assert.Equal(t, 2, mem.frees)
	assert.Equal(t, int64(2048), a.stats().ReservedBytes, "the live block stays reserved")
	assert.Equal(t, 2048, mem.used)
}
