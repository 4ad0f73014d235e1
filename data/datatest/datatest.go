// Package datatest builds small token shards for the tests of packages that
// train on them.
package datatest

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/data/synth"
)

// ByteShards writes the built-in synthetic stories (seed 1) as byte-level
// tokens (vocabulary 256) into a training and a validation shard under the
// test's temporary folder, opens both, and closes them when the test ends.
// It also returns the training tokens.
func ByteShards(t testing.TB, trainBytes, valBytes int64) (train, val *data.Shard, tokens []uint32) {
	t.Helper()
	raw, err := io.ReadAll(synth.NewReader(1, trainBytes+valBytes))
	require.NoError(t, err)
	ids := make([]uint32, len(raw))
	for i, b := range raw {
		ids[i] = uint32(b)
	}
	dir := t.TempDir()
	tp, vp := filepath.Join(dir, "train.bin"), filepath.Join(dir, "val.bin")
	require.NoError(t, data.WriteShard(tp, 256, ids[:trainBytes]))
	require.NoError(t, data.WriteShard(vp, 256, ids[trainBytes:]))
	train, err = data.OpenShard(tp)
	require.NoError(t, err)
	val, err = data.OpenShard(vp)
	require.NoError(t, err)
	t.Cleanup(func() { train.Close(); val.Close() })
	return train, val, ids[:trainBytes]
}
