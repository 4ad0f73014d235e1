package experiment

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
)

// unigramEntropy is the entropy in nats of the token frequencies of s:
// the loss of the best model that ignores context.
func unigramEntropy(s *data.Shard) float64 {
	counts := make([]float64, s.VocabSize())
	for _, t := range s.Tokens() {
		counts[t]++
	}
	n := float64(s.Len())
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			h -= c / n * math.Log(c/n)
		}
	}
	return h
}

// TestSmallModelBeatsUnigramEntropy trains a ~100K-parameter model on the
// built-in synthetic stories (through data.Prepare, BPE and all) and
// checks that it learned to use context: its validation loss ends well
// below the unigram entropy of the training tokens.
func TestSmallModelBeatsUnigramEntropy(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	c := RunConfig{
		Params: 100_000, Activation: nn.SwiGLU, Seed: 1,
		Data: "synthetic", CacheDir: t.TempDir(), VocabSize: 512, SyntheticBytes: 3 << 20,
		SeqLen: 64, Batch: 16, Tokens: 300 * 16 * 64, LR: 3e-3, EvalEvery: 100, EvalTokens: 16384, FinalEvalTokens: 32768,
		Device: cpu.New(), Out: out,
	}
	ds, err := data.Prepare(context.Background(), data.Options{Source: c.Data, CacheDir: c.CacheDir, VocabSize: c.VocabSize, SyntheticBytes: c.SyntheticBytes})
	require.NoError(t, err)
	h := unigramEntropy(ds.Train)
	require.NoError(t, ds.Close())

	res, err := Run(context.Background(), c)
	require.NoError(t, err)
	t.Logf("N=%d (L%d d%d), unigram entropy %.3f nats, val loss %.3f after %d tokens in %.1f s",
		res.Params, res.Layers, res.Width, h, res.FinalLoss, res.Tokens, res.WallSeconds)
	t.Logf("curve %+v", res.Curve)
	assert.InEpsilon(t, 100_000, float64(res.Params), 0.2)
	assert.Less(t, res.FinalLoss, h-1.0, "at least 1 nat below the unigram entropy %.3f", h)
}
