package flashport

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The launcher sizes grids and shared memory from TraitsFor, so it must
// say what the .cu's Traits<Dh> specialisations say.
func TestTraitsMatchTheCUDASource(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "src", "flash_attention.cu"))
	require.NoError(t, err)
	re := regexp.MustCompile(`struct Traits<(\d+)> \{\s*static constexpr int kFwdMT = (\d+), kFwdBN = (\d+), kDqMT = (\d+), kDqBN = (\d+), kKvMT = (\d+), kKvBN = (\d+);`)
	ms := re.FindAllSubmatch(src, -1)
	require.Len(t, ms, 3, "expected Traits<32>, Traits<64>, Traits<128> in flash_attention.cu")
	for _, m := range ms {
		n := make([]int, 7)
		for i := range n {
			n[i], err = strconv.Atoi(string(m[i+1]))
			require.NoError(t, err)
		}
		tr, err := TraitsFor(n[0])
		require.NoError(t, err)
		assert.Equal(t, []int{tr.FwdMT, tr.FwdBN, tr.DqMT, tr.DqBN, tr.KvMT, tr.KvBN}, n[1:], "Traits<%d>", n[0])
	}
}

func TestTraitsForRejectsOtherHeadDims(t *testing.T) {
	for _, dh := range []int{0, 16, 48, 96, 256} {
		_, err := TraitsFor(dh)
		assert.Error(t, err, "head dim %d", dh)
	}
}
