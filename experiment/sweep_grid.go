package experiment

import "github.com/empirical-scaling/harness/data"

// grid is c.Grid with c's data and tokenizer overrides applied.
func (c SweepConfig) grid() Grid {
	g := c.Grid
	if c.Data != "" {
		g.Data = c.Data
	}
	if c.Tokenizer != "" {
		g.Tokenizer = c.Tokenizer
		if c.Tokenizer == data.TokenizerGPT2 {
			g.VocabSize = data.GPT2VocabSize
		}
	}
	return g
}
