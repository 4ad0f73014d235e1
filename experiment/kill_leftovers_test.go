package experiment

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data/datatest"
)

// TestCheckpointKeepsACompleteFallback leaves what a kill inside a
// checkpoint write leaves (an unfinished step folder with a temporary
// file) and resumes: the next checkpoint must keep the newest complete
// one before it as the fallback, not the unfinished folder, and a folder
// of its own step left unfinished is rewritten without the leftovers.
func TestCheckpointKeepsACompleteFallback(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	ref := filepath.Join(t.TempDir(), "ref")
	_, err := Run(context.Background(), tinyRun(t, ref, train, val))
	require.NoError(t, err)

	out := filepath.Join(t.TempDir(), "run")
	stopAt := func(step int) (context.Context, RunConfig) {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		c := tinyRun(t, out, train, val)
		c.CheckpointSteps = 4
		c.OnStep = func(p Progress) {
			if p.Step == step {
				cancel()
			}
		}
		return ctx, c
	}
	ctx, c := stopAt(10)
	_, err = Run(ctx, c)
	require.ErrorIs(t, err, context.Canceled)
	steps, err := listCheckpoints(out)
	require.NoError(t, err)
	require.Equal(t, []int{8, 10}, steps)

	// Killed attempts: one inside the write of step 11, one inside step 13's.
	for _, step := range []int{11, 13} {
		dir := stepDir(out, step)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "model.safetensors"), []byte("partial"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, ".optimizer.safetensors.tmp123"), []byte("partial"), 0o644))
	}

	// Resumed from step 10, the run checkpoints at step 13 (interrupted).
	ctx, c = stopAt(13)
	c.CheckpointSteps = 0
	_, err = Run(ctx, c)
	require.ErrorIs(t, err, context.Canceled)
	steps, err = listCheckpoints(out)
	require.NoError(t, err)
	assert.Equal(t, []int{10, 13}, steps, "the new checkpoint and the complete one before it")
	assert.FileExists(t, filepath.Join(stepDir(out, 10), "state.json"), "the fallback is complete")
	assert.NoFileExists(t, filepath.Join(stepDir(out, 13), ".optimizer.safetensors.tmp123"), "no leftovers in the new checkpoint")

	res, err := Run(context.Background(), tinyRun(t, out, train, val))
	require.NoError(t, err)
	assert.Equal(t, StatusFinished, res.Status)
	sameTrajectory(t, readMetrics(t, ref), readMetrics(t, out))
}

// TestRunRemovesTemporaryFilesOfKilledWrites leaves in a run folder what a
// kill inside the writes of metrics.csv and result.json leaves: the
// rerun removes those files and keeps everything else.
func TestRunRemovesTemporaryFilesOfKilledWrites(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	require.NoError(t, os.MkdirAll(out, 0o755))
	old := time.Now().Add(-time.Minute)
	var left []string
	for _, name := range []string{".metrics.csv.tmp123", ".result.json.tmp456", "notes.txt"} {
		path := filepath.Join(out, name)
		require.NoError(t, os.WriteFile(path, []byte("partial"), 0o644))
		require.NoError(t, os.Chtimes(path, old, old))
		left = append(left, path)
	}
	_, err := Run(context.Background(), tinyRun(t, out, train, val))
	require.NoError(t, err)
	assert.NoFileExists(t, left[0])
	assert.NoFileExists(t, left[1])
	assert.FileExists(t, left[2], "only the atomic writer's temporary files go")
}
