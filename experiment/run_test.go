package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data/datatest"
)

func TestRunWritesEveryFile(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	// An attempt killed before its first checkpoint left an event file.
	require.NoError(t, os.MkdirAll(out, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(out, "events.out.tfevents.1.stale"), nil, 0o644))
	var seen []Progress
	c := tinyRun(t, out, train, val)
	c.OnStep = func(p Progress) { seen = append(seen, p) }
	res, err := Run(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, StatusFinished, res.Status)
	assert.Equal(t, "run", res.Name)
	assert.Equal(t, 2, res.Layers)
	assert.Equal(t, int64(24*8*32), res.Tokens)
	assert.InDelta(t, 6*float64(res.Params)*float64(res.Tokens), res.Compute, 1)
	require.Len(t, res.Curve, 5) // steps 5, 10, 15, 20, 24
	assert.Equal(t, res.Curve[4].ValLoss, res.FinalLoss)
	assert.Equal(t, int64((val.Len()-1)/32*32), res.ValTokens, "the final evaluation scores the whole (small) validation shard")
	assert.Less(t, res.FinalLoss, math.Log(256), "learned something")
	// The observer hears every step, then the stop.
	require.Len(t, seen, 24+1)
	for i, p := range seen[:24] {
		assert.Equal(t, i+1, p.Step)
		assert.Equal(t, 24, p.Steps)
		assert.Equal(t, res.Name, p.Run)
		assert.False(t, p.Done)
		assert.Positive(t, p.TokensPerSec)
		assert.Equal(t, p.Step%5 == 0 || p.Step == 24, !math.IsNaN(p.ValLoss), "step %d", p.Step)
	}
	assert.True(t, seen[24].Done)
	assert.Equal(t, 24, seen[24].Step)

	// result.json
	var onDisk Result
	b, err := os.ReadFile(filepath.Join(out, ResultFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &onDisk))
	assert.Equal(t, *res, onDisk)

	// config.json
	var p plan
	b, err = os.ReadFile(filepath.Join(out, ConfigFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &p))
	assert.Equal(t, 24, p.Steps)
	assert.Equal(t, 256, p.Model.Vocab)

	// metrics.csv: one row per step, val loss on eval steps.
	rows := readMetrics(t, out)
	require.Len(t, rows, 24)
	assert.Equal(t, res.FinalLoss, rows[23].ValLoss)
	assert.True(t, math.IsNaN(rows[0].ValLoss))
	assert.Equal(t, res.Curve[0].ValLoss, rows[4].ValLoss)
	assert.Greater(t, rows[0].TrainLoss, rows[23].TrainLoss)

	// TensorBoard: the same scalars, every CRC checked by the reader.
	evs, err := filepath.Glob(filepath.Join(out, "events.out.tfevents.*"))
	require.NoError(t, err)
	require.Len(t, evs, 1)
	events, err := ReadEventFile(evs[0])
	require.NoError(t, err)
	require.Len(t, events, 25)
	assert.Equal(t, "brain.Event:2", events[0].FileVersion)
	last := events[24]
	assert.Equal(t, int64(24), last.Step)
	vals := map[string]float32{}
	for _, s := range last.Scalars {
		vals[s.Tag] = s.Value
	}
	assert.Equal(t, float32(rows[23].TrainLoss), vals["train/loss"])
	assert.Equal(t, float32(rows[23].ValLoss), vals["val/loss"])
	assert.Equal(t, float32(rows[23].GradNorm), vals["train/grad_norm"])

	// Checkpoint: weights with GPT-2 names, moments, state.
	steps, err := listCheckpoints(out)
	require.NoError(t, err)
	require.Equal(t, []int{24}, steps)
	ws, meta, err := ReadSafetensors(filepath.Join(stepDir(out, 24), "model.safetensors"))
	require.NoError(t, err)
	assert.Equal(t, "24", meta["step"])
	names := map[string][]int{}
	var total int64
	for _, w := range ws {
		names[w.Name] = w.Shape
		total += int64(len(w.Data))
	}
	assert.Equal(t, res.TotalParams, total)
	assert.Equal(t, []int{96, 32}, names["transformer.h.1.attn.c_attn.weight"])
	assert.Equal(t, []int{256, 32}, names["transformer.wte.weight"])
	opt, _, err := ReadSafetensors(filepath.Join(stepDir(out, 24), "optimizer.safetensors"))
	require.NoError(t, err)
	assert.Len(t, opt, 2*len(ws))

	// No temporary files anywhere.
	filepath.Walk(out, func(path string, info os.FileInfo, err error) error {
		assert.NotContains(t, filepath.Base(path), ".tmp", path)
		return nil
	})

	// Rerunning a finished run returns its result without training.
	again, err := Run(context.Background(), tinyRun(t, out, train, val))
	require.NoError(t, err)
	assert.Equal(t, res.FinalLoss, again.FinalLoss)
	assert.Equal(t, res.WallSeconds, again.WallSeconds)
}

func TestSameSeedSameLosses(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	dirs := []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b"), filepath.Join(t.TempDir(), "c")}
	for i, d := range dirs {
		c := tinyRun(t, d, train, val)
		if i == 2 {
			c.Seed = 12
		}
		_, err := Run(context.Background(), c)
		require.NoError(t, err)
	}
	a, b, other := readMetrics(t, dirs[0]), readMetrics(t, dirs[1]), readMetrics(t, dirs[2])
	sameTrajectory(t, a, b)
	assert.NotEqual(t, a[0].TrainLoss, other[0].TrainLoss, "another seed gives another run")
}

func TestResumeReproducesUninterruptedRun(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	for _, micro := range []int{0, 4} { // whole batches, and 2 accumulated micro-batches per step
		t.Run(fmt.Sprintf("micro=%d", micro), func(t *testing.T) {
			cfg := func(out string) RunConfig {
				c := tinyRun(t, out, train, val)
				c.Micro = micro
				return c
			}
			ref := filepath.Join(t.TempDir(), "ref")
			_, err := Run(context.Background(), cfg(ref))
			require.NoError(t, err)

			out := filepath.Join(t.TempDir(), "resumed")
			for _, stopAt := range []int{7, 13} { // interrupted twice, between evaluations and checkpoints
				ctx, cancel := context.WithCancel(context.Background())
				c := cfg(out)
				c.CheckpointSteps = 4
				c.OnStep = func(p Progress) {
					if p.Step == stopAt {
						cancel()
					}
				}
				res, err := Run(ctx, c)
				cancel()
				require.ErrorIs(t, err, context.Canceled)
				assert.Equal(t, StatusRunning, res.Status)
				steps, err := listCheckpoints(out)
				require.NoError(t, err)
				require.NotEmpty(t, steps)
				assert.Equal(t, stopAt, steps[len(steps)-1], "the interrupt wrote a checkpoint")
				assert.LessOrEqual(t, len(steps), 2, "older ones than the previous are removed")
				var onDisk Result
				b, err := os.ReadFile(filepath.Join(out, ResultFile))
				require.NoError(t, err)
				require.NoError(t, json.Unmarshal(b, &onDisk))
				assert.Equal(t, StatusRunning, onDisk.Status, "an interrupted run never looks finished")
				assert.Zero(t, onDisk.FinalLoss)
			}
			c := cfg(out)
			c.CheckpointSteps = 4
			res, err := Run(context.Background(), c)
			require.NoError(t, err)
			assert.Equal(t, StatusFinished, res.Status)
			sameTrajectory(t, readMetrics(t, ref), readMetrics(t, out))
		})
	}
}

func TestUnfinishedCheckpointIsIgnored(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	c := tinyRun(t, out, train, val)
	c.OnStep = func(p Progress) {
		if p.Step == 6 {
			cancel()
		}
	}
	_, err := Run(ctx, c)
	require.ErrorIs(t, err, context.Canceled)
	// A later checkpoint whose writer died before state.json.
	require.NoError(t, os.MkdirAll(stepDir(out, 9), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(stepDir(out, 9), "model.safetensors"), []byte("partial"), 0o644))
	st, dir, ok, err := latestCheckpoint(out)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, 6, st.Step)
	assert.Equal(t, stepDir(out, 6), dir)
	res, err := Run(context.Background(), tinyRun(t, out, train, val))
	require.NoError(t, err)
	assert.Equal(t, StatusFinished, res.Status)
}

func TestDivergenceStopsWithStatusDiverged(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	c := tinyRun(t, out, train, val)
	c.LR = 1e38 // Adam moves every weight by ~lr: the next forward pass overflows
	c.Warmup = -1
	c.CheckpointSteps = 1
	res, err := Run(context.Background(), c)
	require.ErrorIs(t, err, ErrDiverged)
	assert.Equal(t, StatusDiverged, res.Status)
	assert.Contains(t, err.Error(), "checkpoint")
	var onDisk Result
	b, rerr := os.ReadFile(filepath.Join(out, ResultFile))
	require.NoError(t, rerr)
	require.NoError(t, json.Unmarshal(b, &onDisk))
	assert.Equal(t, StatusDiverged, onDisk.Status)
	assert.Zero(t, onDisk.FinalLoss, "no success-looking loss")
	assert.NotEmpty(t, onDisk.Error)
	steps, _ := listCheckpoints(out)
	require.NotEmpty(t, steps, "the last good checkpoint is kept")
	rows := readMetrics(t, out)
	lastRow := rows[len(rows)-1]
	assert.True(t, math.IsNaN(lastRow.TrainLoss) || math.IsInf(lastRow.TrainLoss, 0) || math.IsNaN(lastRow.GradNorm) || math.IsInf(lastRow.GradNorm, 0), "%+v", lastRow)
	assert.Greater(t, lastRow.Step, steps[len(steps)-1])
}

func TestConfigChangeIsRefused(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	c := tinyRun(t, out, train, val)
	c.OnStep = func(Progress) { cancel() }
	_, err := Run(ctx, c)
	require.ErrorIs(t, err, context.Canceled)
	c = tinyRun(t, out, train, val)
	c.LR = 1e-3
	_, err = Run(context.Background(), c)
	require.ErrorIs(t, err, ErrConfigChanged)
}

func TestCheckpointRefusesNonFiniteWeights(t *testing.T) {
	train, val, _ := datatest.ByteShards(t, 200_000, 20_000)
	out := filepath.Join(t.TempDir(), "run")
	c := tinyRun(t, out, train, val)
	r, err := newRunner(context.Background(), &c)
	require.NoError(t, err)
	defer r.close()
	r.start = time.Now()
	require.NoError(t, r.checkpoint())
	w := r.params[3].T
	v, err := w.Float32s()
	require.NoError(t, err)
	v[5] = float32(math.Inf(1))
	require.NoError(t, w.CopyFrom(v))
	r.step = 1
	require.ErrorIs(t, r.checkpoint(), ErrDiverged)
	steps, err := listCheckpoints(out)
	require.NoError(t, err)
	assert.Equal(t, []int{0}, steps, "only the good checkpoint is on disk")
}
