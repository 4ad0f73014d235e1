package experiment

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data/datatest"
)

// TestBestLossSurvivesResumeBeforeFirstEvaluation checkpoints a run
// before its first evaluation (no best loss yet) and resumes it: the best
// loss must be the least evaluated one, not the 0 an infinite best used to
// be stored as.
func TestBestLossSurvivesResumeBeforeFirstEvaluation(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	c := tinyRun(t, out, train, val)
	c.OnStep = func(p Progress) {
		if p.Step == 2 { // evaluations come at 5, 10, ...
			cancel()
		}
	}
	_, err := Run(ctx, c)
	cancel()
	require.ErrorIs(t, err, context.Canceled)
	st, _, ok, err := latestCheckpoint(out)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Nil(t, st.BestVal, "no evaluation yet: no best loss stored")

	res, err := Run(context.Background(), tinyRun(t, out, train, val))
	require.NoError(t, err)
	best := math.Inf(1)
	for _, p := range res.Curve {
		best = math.Min(best, p.ValLoss)
	}
	assert.Positive(t, res.BestLoss)
	assert.Equal(t, best, res.BestLoss)
}

// armedCtx is a context whose Err reports cancellation from its second
// call after arm: the first is the training loop's check before a step,
// the second comes from inside that step's evaluation.
type armedCtx struct {
	context.Context
	calls atomic.Int32 // -1: not armed
}

func (c *armedCtx) arm() { c.calls.Store(0) }

func (c *armedCtx) Err() error {
	if c.calls.Load() < 0 {
		return nil
	}
	if c.calls.Add(1) >= 2 {
		return context.Canceled
	}
	return nil
}

// TestInterruptDuringEvaluationResumesBitExact stops a run inside an
// evaluation: the checkpoint holds the trained step as pending, the rerun
// scores it first, and the finished run equals an uninterrupted one.
func TestInterruptDuringEvaluationResumesBitExact(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	ref := filepath.Join(t.TempDir(), "ref")
	_, err := Run(context.Background(), tinyRun(t, ref, train, val))
	require.NoError(t, err)

	out := filepath.Join(t.TempDir(), "run")
	ctx := &armedCtx{Context: context.Background()}
	ctx.calls.Store(-1)
	c := tinyRun(t, out, train, val)
	c.OnStep = func(p Progress) {
		if p.Step == 4 { // step 5 is evaluated
			ctx.arm()
		}
	}
	_, err = Run(ctx, c)
	require.ErrorIs(t, err, context.Canceled)
	st, _, ok, err := latestCheckpoint(out)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, 5, st.Step)
	require.NotNil(t, st.Pending, "step 5 is trained but not yet scored")
	assert.Equal(t, 5, st.Pending.Step)
	assert.Len(t, st.Rows, 4)

	res, err := Run(context.Background(), tinyRun(t, out, train, val))
	require.NoError(t, err)
	assert.Equal(t, StatusFinished, res.Status)
	sameTrajectory(t, readMetrics(t, ref), readMetrics(t, out))
}

// TestDamagedCheckpointFallsBackToThePreviousOne flips one bit in a file
// of the newest checkpoint: the resume must notice, say so in one warning,
// set the damaged checkpoint aside, resume from the previous one and still
// finish with the uninterrupted run's losses.
func TestDamagedCheckpointFallsBackToThePreviousOne(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	ref := filepath.Join(t.TempDir(), "ref")
	_, err := Run(context.Background(), tinyRun(t, ref, train, val))
	require.NoError(t, err)
	for _, file := range []string{"model.safetensors", "optimizer.safetensors", "state.json"} {
		t.Run(file, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			ctx, cancel := context.WithCancel(context.Background())
			c := tinyRun(t, out, train, val)
			c.CheckpointSteps = 4
			c.OnStep = func(p Progress) {
				if p.Step == 10 {
					cancel()
				}
			}
			_, err := Run(ctx, c)
			cancel()
			require.ErrorIs(t, err, context.Canceled)
			steps, err := listCheckpoints(out)
			require.NoError(t, err)
			require.Equal(t, []int{8, 10}, steps, "the newest checkpoint and the one before it")

			path := filepath.Join(stepDir(out, 10), file)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			i := len(b) - 20 // inside the last tensor's data, or a number near the end of state.json
			if file == "state.json" {
				i = bytes.Index(b, []byte(`"tokens": `)) + len(`"tokens": `)
			}
			b[i] ^= 0x01
			require.NoError(t, os.WriteFile(path, b, 0o644))

			var log bytes.Buffer
			c = tinyRun(t, out, train, val)
			c.CheckpointSteps = 4
			c.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))
			res, err := Run(context.Background(), c)
			require.NoError(t, err)
			assert.Equal(t, StatusFinished, res.Status)
			assert.Equal(t, 1, strings.Count(log.String(), "\n"), log.String())
			assert.Contains(t, log.String(), "checkpoint step-00000010 is damaged")
			assert.Contains(t, log.String(), "resuming from step-00000008")
			assert.DirExists(t, stepDir(out, 10)+".damaged", "the damaged files are kept, never chosen again")
			sameTrajectory(t, readMetrics(t, ref), readMetrics(t, out))
		})
	}
}

// TestMovedRunFolderResumes moves an interrupted run's folder (its name
// defaults to the folder's): the run is the same and resumes.
func TestMovedRunFolderResumes(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	ref := filepath.Join(t.TempDir(), "ref")
	_, err := Run(context.Background(), tinyRun(t, ref, train, val))
	require.NoError(t, err)
	base := t.TempDir()
	out := filepath.Join(base, "before")
	ctx, cancel := context.WithCancel(context.Background())
	c := tinyRun(t, out, train, val)
	c.OnStep = func(p Progress) {
		if p.Step == 7 {
			cancel()
		}
	}
	_, err = Run(ctx, c)
	cancel()
	require.ErrorIs(t, err, context.Canceled)
	moved := filepath.Join(base, "after")
	require.NoError(t, os.Rename(out, moved))
	res, err := Run(context.Background(), tinyRun(t, moved, train, val))
	require.NoError(t, err, "a moved folder is the same run")
	assert.Equal(t, "after", res.Name)
	sameTrajectory(t, readMetrics(t, ref), readMetrics(t, moved))
}
