package cuda

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/tensor"
)

// TestFreeMemoryCountsCachedBlocks allocates and frees a buffer on the
// fake runtime: the block stays in the caching allocator, so the driver
// reports less free memory, but a new run can still use it.
func TestFreeMemoryCountsCachedBlocks(t *testing.T) {
	d, f := newFakeDevice(t)
	free0, total, err := d.FreeMemory()
	require.NoError(t, err)
	assert.Equal(t, int64(64<<30), total)
	assert.Equal(t, total, free0)

	b, err := d.Alloc(tensor.Float32, 1<<20)
	require.NoError(t, err)
	live, _, err := d.FreeMemory()
	require.NoError(t, err)
	assert.Less(t, live, free0, "a live buffer is not free")
	d.Free(b)
	cached, _, err := d.FreeMemory()
	require.NoError(t, err)
	assert.Equal(t, free0, cached, "a cached block counts as free")
	assert.Positive(t, f.used, "the driver still holds the cached block")

	f.failInfo = true
	_, _, err = d.FreeMemory()
	assert.Error(t, err)
}
