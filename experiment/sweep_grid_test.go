package experiment

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data"
)

// -tokenizer gpt2 reaches every run of a sweep, and the plan (dry runs
// included) counts GPT-2's 50,257-token embedding.
func TestSweepTokenizerOverride(t *testing.T) {
	g, err := GridByName("smoke")
	require.NoError(t, err)
	plain := SweepConfig{Grid: g}.grid()
	assert.Equal(t, g.VocabSize, plain.VocabSize)
	assert.Empty(t, plain.Tokenizer)

	gg := SweepConfig{Grid: g, Tokenizer: data.TokenizerGPT2, Data: "tinystories"}.grid()
	assert.Equal(t, data.GPT2VocabSize, gg.VocabSize)
	assert.Equal(t, "tinystories", gg.Data)
	specs, err := gg.Runs(GridOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, specs)
	rc := gg.runConfig(specs[0])
	assert.Equal(t, data.TokenizerGPT2, rc.Tokenizer)
	_, p, err := gg.planRun(specs[0], gg.VocabSize, 1<<20, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, data.TokenizerGPT2, p.Tokenizer)
	assert.Equal(t, data.GPT2VocabSize, p.Model.Vocab)
}
