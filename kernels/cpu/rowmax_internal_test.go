package cpu

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRowMaxMatchesGo(t *testing.T) {
	nan := float32(math.NaN())
	for _, n := range []int{1, 5, 15, 16, 17, 40, 63, 64, 65, 100, 4099} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32((i*7919)%1013) - 500
		}
		cases := map[string][]float32{"plain": x}
		for _, at := range []int{0, n / 2, n - 1} {
			y := append([]float32(nil), x...)
			y[at] = 1000 // the maximum anywhere, the tail included
			cases["max"] = y
			z := append([]float32(nil), x...)
			z[at] = nan
			cases["nan"] = z
			for name, c := range cases {
				want, got := rowMaxGo(c), rowMax(c)
				if math.IsNaN(float64(want)) {
					assert.True(t, math.IsNaN(float64(got)), "%s n=%d at=%d", name, n, at)
					continue
				}
				assert.Equal(t, want, got, "%s n=%d at=%d", name, n, at)
			}
		}
	}
}

func TestDscoresRowMatchesGo(t *testing.T) {
	for _, n := range []int{1, 8, 13, 64} {
		p, dp := make([]float32, n), make([]float32, n)
		for i := range p {
			p[i] = float32(i%9) * 0.11
			dp[i] = float32(i%5) - 1.7
		}
		want := append([]float32(nil), dp...)
		dscoresRowGo(want, p, 0.37)
		dscoresRow(dp, p, 0.37)
		assert.Equal(t, want, dp, "n=%d", n)
	}
}
