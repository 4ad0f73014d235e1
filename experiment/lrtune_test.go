package experiment

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/nn"
)

// ladderLoss is a synthetic validation loss against the learning-rate
// multiplier: a parabola in log2 m with its minimum at best, diverging
// above diverge (0: never).
func ladderLoss(best, diverge float64) func(m float64) float64 {
	return func(m float64) float64 {
		if diverge > 0 && m >= diverge {
			return math.Inf(1)
		}
		d := math.Log2(m) - math.Log2(best)
		return 3 + 0.05*d*d
	}
}

// runLadder plays the tuning's loop on a synthetic curve: the first
// ladder, then one extension at a time while PickLR asks for one.
func runLadder(t *testing.T, loss func(float64) float64) (best float64, tried []float64, edge string) {
	var pts []LRPoint
	for _, m := range LRLadder {
		pts = append(pts, LRPoint{Multiplier: m, Loss: loss(m)})
	}
	for i := 0; i < 20; i++ {
		b, next, e, err := PickLR(pts)
		require.NoError(t, err)
		if next == 0 {
			for _, p := range pts {
				tried = append(tried, p.Multiplier)
			}
			return b, tried, e
		}
		pts = append(pts, LRPoint{Multiplier: next, Loss: loss(next)})
	}
	t.Fatal("the ladder did not settle")
	return 0, nil, ""
}

func TestPickLRFindsTheKnownBest(t *testing.T) {
	cases := []struct {
		name      string
		loss      func(float64) float64
		best      float64
		triedLen  int
		edge      string
		lowestTry float64
	}{
		{"inside the ladder", ladderLoss(2, 0), 2, 5, "", 0.25},
		{"at the centre", ladderLoss(1, 0), 1, 5, "", 0.25},
		{"beyond the top: extends up", ladderLoss(8, 0), 8, 7, "", 0.25},
		{"beyond the bottom: extends down", ladderLoss(1.0/16, 0), 1.0 / 16, 8, "", 1.0 / 32},
		{"high rates diverge", ladderLoss(16, 4), 2, 5, "", 0.25},
		{"past the ladder's bound", ladderLoss(1000, 0), 32, 8, "highest", 0.25},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			best, tried, edge := runLadder(t, tc.loss)
			assert.Equal(t, tc.best, best)
			assert.Len(t, tried, tc.triedLen, "multipliers tried: %v", tried)
			assert.Equal(t, tc.edge, edge)
			lo := math.Inf(1)
			for _, m := range tried {
				lo = math.Min(lo, m)
			}
			assert.Equal(t, tc.lowestTry, lo)
		})
	}
	_, _, _, err := PickLR([]LRPoint{{Multiplier: 1, Loss: math.Inf(1)}, {Multiplier: 2, Loss: math.NaN()}})
	assert.ErrorContains(t, err, "diverged")
	_, _, _, err = PickLR(nil)
	assert.Error(t, err)
}

func TestSweepTunesLearningRates(t *testing.T) {
	if testing.Short() {
		t.Skip("trains")
	}
	out, cache := t.TempDir(), t.TempDir()
	cfg, log := sweepCfg(t, out, cache, nn.GeLU)
	cfg.TuneLR = true
	_, err := Sweep(context.Background(), cfg)
	require.NoError(t, err, log.String())
	tun, err := ReadLRTuning(out)
	require.NoError(t, err)
	require.Len(t, tun.Curves, 1)
	c := tun.Curves[0]
	assert.Equal(t, "gelu", c.Activation)
	require.GreaterOrEqual(t, len(c.Points), len(LRLadder))
	best, _, _, err := PickLR(c.Points)
	require.NoError(t, err)
	assert.Equal(t, best, c.Best, "the recorded choice is the ladder's best")
	assert.InEpsilon(t, best*3e-3, c.BestLR, 1e-9)
	for _, p := range c.Points {
		_, err := os.Stat(filepath.Join(out, p.Run, ResultFile))
		assert.NoError(t, err, "tuning run %s has its folder", p.Run)
	}
	// every grid run trains at the chosen multiplier, and says so
	rs := readResults(t, out)
	for _, r := range rs.Runs {
		assert.InEpsilon(t, best*3e-3, r.LR, 1e-9, r.Name)
		assert.NotContains(t, r.Name, "lr-", "tuning runs stay out of results.json")
		cfgJSON, err := os.ReadFile(filepath.Join(out, r.Name, ConfigFile))
		require.NoError(t, err)
		if best != 1 {
			assert.Contains(t, string(cfgJSON), `"lr_multiplier"`)
		}
	}
	// a rerun reuses every tuning run and every grid run
	cfg2, log2 := sweepCfg(t, out, cache, nn.GeLU)
	cfg2.TuneLR = true
	rep, err := Sweep(context.Background(), cfg2)
	require.NoError(t, err, log2.String())
	assert.Empty(t, rep.Trained)
	assert.Equal(t, len(c.Points), strings.Count(log2.String(), "skip lr-"), log2.String())
}
