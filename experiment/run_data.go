package experiment

import (
	"context"
	"fmt"

	"github.com/empirical-scaling/harness/data"
)

// loadData returns the training and validation shards of c, preparing
// (or opening from the cache) the dataset c.Data names. close releases
// what loadData opened.
func loadData(ctx context.Context, c *RunConfig) (train, val *data.Shard, close func(), err error) {
	if c.Train != nil || c.Val != nil {
		if c.Train == nil || c.Val == nil {
			return nil, nil, nil, fmt.Errorf("data: both a training and a validation shard are needed")
		}
		return c.Train, c.Val, func() {}, nil
	}
	if c.Data == "" {
		return nil, nil, nil, fmt.Errorf("data: no source given (want synthetic, tinystories or a path)")
	}
	ds, err := data.Prepare(ctx, data.Options{
		Source: c.Data, CacheDir: c.CacheDir, VocabSize: c.VocabSize, Tokenizer: c.Tokenizer, TextColumn: c.TextColumn,
		SyntheticBytes: c.SyntheticBytes, Seed: c.DataSeed, Progress: c.Progress,
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("data %q: %w", c.Data, err)
	}
	c.Dataset = datasetRef(ds)
	return ds.Train, ds.Val, func() { ds.Close() }, nil
}
