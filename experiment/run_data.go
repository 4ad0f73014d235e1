package experiment

import (
	"context"
	"fmt"

	"github.com/empirical-scaling/harness/data"
)

// loadData returns the training and validation shards of c.
func loadData(ctx context.Context, c *RunConfig) (train, val *data.Shard, err error) {
	if c.Train != nil || c.Val != nil {
		if c.Train == nil || c.Val == nil {
			return nil, nil, fmt.Errorf("data: both a training and a validation shard are needed")
		}
		return c.Train, c.Val, nil
	}
	if c.Data == "" {
		return nil, nil, fmt.Errorf("data: no source given (want synthetic, tinystories or a path)")
	}
	return nil, nil, fmt.Errorf("data %q: the data pipeline (data.Prepare) has not landed in this build", c.Data)
}
