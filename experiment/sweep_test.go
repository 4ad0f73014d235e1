package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/tensor"
)

// microGrid is a grid of three very small sizes that sweeps in about a
// second: two anchors and a holdout.
func microGrid() Grid {
	return Grid{
		Name: "micro", Data: "synthetic", VocabSize: 280, SyntheticBytes: 256 << 10,
		SeqLen: 16, Batch: 8, LR: 3e-3, EvalTokens: 512, Evals: 3, TokensPerParam: 10,
		Anchors:  []Size{{N: 800, Layers: 1, Width: 8}, {N: 1_800, Layers: 1, Width: 12}},
		Holdouts: []Size{{N: 3_000, Layers: 1, Width: 16}}, Seeds: 1,
	}
}

// syncBuffer is a bytes.Buffer safe for the sweep's workers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// onWrite, when set, sees every write.
	onWrite func(string)
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	f := s.onWrite
	s.mu.Unlock()
	if f != nil {
		f(string(p))
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func sweepCfg(t *testing.T, out, cache string, acts ...nn.Activation) (SweepConfig, *syncBuffer) {
	log := &syncBuffer{}
	return SweepConfig{
		Grid: microGrid(), Select: GridOptions{Activations: acts}, CacheDir: cache, Out: out,
		Devices: []tensor.Device{cpu.New()}, Command: "test", Version: "v0", Log: log,
	}, log
}

func readResults(t *testing.T, dir string) Results {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	require.NoError(t, err)
	var rs Results
	require.NoError(t, json.Unmarshal(b, &rs))
	return rs
}

func statuses(rs Results) map[string]string {
	out := map[string]string{}
	for _, r := range rs.Runs {
		out[r.Name] = r.Status
	}
	return out
}

func TestSweepTrainsThenSkips(t *testing.T) {
	out, cache := t.TempDir(), t.TempDir()
	c, log := sweepCfg(t, out, cache, nn.GeLU, nn.SwiGLU)
	rep, err := Sweep(context.Background(), c)
	require.NoError(t, err, log.String())
	assert.Len(t, rep.Trained, 6)
	assert.Empty(t, rep.Failed)
	rs := readResults(t, out)
	assert.Equal(t, "micro", rs.Grid)
	assert.Equal(t, "test", rs.Command)
	require.Len(t, rs.Runs, 6)
	for _, r := range rs.Runs {
		assert.Equal(t, StatusFinished, r.Status, r.Name)
		assert.Greater(t, r.FinalLoss, 0.0, r.Name)
		assert.NotEmpty(t, r.Curve, r.Name)
		assert.FileExists(t, filepath.Join(out, r.Name, ResultFile))
	}
	assert.Equal(t, "gelu-800-s1", rs.Runs[0].Name)
	assert.Equal(t, RoleHoldout, rs.Runs[5].Role)
	stat, err := os.Stat(filepath.Join(out, "gelu-800-s1", MetricsFile))
	require.NoError(t, err)

	c, log = sweepCfg(t, out, cache, nn.GeLU, nn.SwiGLU)
	rep, err = Sweep(context.Background(), c)
	require.NoError(t, err)
	assert.Empty(t, rep.Trained)
	assert.Len(t, rep.Skipped, 6)
	assert.Contains(t, log.String(), "skip gelu-800-s1: finished before")
	again, err := os.Stat(filepath.Join(out, "gelu-800-s1", MetricsFile))
	require.NoError(t, err)
	assert.Equal(t, stat.ModTime(), again.ModTime(), "a finished run is not touched")
}

func TestSweepStopsOnCancelAndResumes(t *testing.T) {
	out, cache := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, log := sweepCfg(t, out, cache, nn.GeLU)
	log.onWrite = func(s string) {
		if strings.HasPrefix(s, "done gelu-800-s1") {
			cancel()
		}
	}
	rep, err := Sweep(ctx, c)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "rerun the same command to resume")
	assert.Equal(t, []string{"gelu-800-s1"}, rep.Trained)
	st := statuses(readResults(t, out))
	assert.Equal(t, StatusFinished, st["gelu-800-s1"])
	assert.Equal(t, StatusPending, st["gelu-3K-s1"], "not started")

	c, log = sweepCfg(t, out, cache, nn.GeLU)
	rep, err = Sweep(context.Background(), c)
	require.NoError(t, err, log.String())
	assert.Equal(t, []string{"gelu-800-s1"}, rep.Skipped)
	assert.Len(t, rep.Trained, 2)
	for name, s := range statuses(readResults(t, out)) {
		assert.Equal(t, StatusFinished, s, name)
	}
}

func TestSweepReportsAFailedRunAndGoesOn(t *testing.T) {
	out, cache := t.TempDir(), t.TempDir()
	// A folder holding another run's settings: Run refuses it.
	bad := filepath.Join(out, "gelu-1.8K-s1")
	require.NoError(t, os.MkdirAll(bad, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bad, ConfigFile), []byte(`{"name": "something else"}`), 0o644))
	c, log := sweepCfg(t, out, cache, nn.GeLU)
	rep, err := Sweep(context.Background(), c)
	require.NoError(t, err)
	require.Len(t, rep.Failed, 1)
	assert.Contains(t, rep.Failed[0], "gelu-1.8K-s1")
	assert.Contains(t, log.String(), "FAILED gelu-1.8K-s1")
	assert.Contains(t, log.String(), "the sweep goes on")
	assert.Len(t, rep.Trained, 2, "the other runs still train")
	rs := readResults(t, out)
	st := statuses(rs)
	assert.Equal(t, StatusFailed, st["gelu-1.8K-s1"])
	assert.Equal(t, StatusFinished, st["gelu-3K-s1"])
	for _, r := range rs.Runs {
		if r.Name == "gelu-1.8K-s1" {
			assert.Contains(t, r.Error, "different")
		}
	}
}

func TestSweepRepairsCorruptFiles(t *testing.T) {
	out, cache := t.TempDir(), t.TempDir()
	c, _ := sweepCfg(t, out, cache, nn.SwiGLU)
	_, err := Sweep(context.Background(), c)
	require.NoError(t, err)
	before := readResults(t, out)

	require.NoError(t, os.WriteFile(filepath.Join(out, ResultsFile), []byte(`{"runs": [ {"name": `), 0o644))
	runFile := filepath.Join(out, "swiglu-1.8K-s1", ResultFile)
	require.NoError(t, os.WriteFile(runFile, []byte("\x00garbage"), 0o644))

	c, log := sweepCfg(t, out, cache, nn.SwiGLU)
	rep, err := Sweep(context.Background(), c)
	require.NoError(t, err, log.String())
	require.Len(t, rep.Warnings, 2, log.String())
	assert.Contains(t, rep.Warnings[0], filepath.Join(out, ResultsFile))
	assert.Contains(t, rep.Warnings[0], "rebuilding it")
	assert.Contains(t, rep.Warnings[1], runFile)
	assert.Equal(t, []string{"swiglu-1.8K-s1"}, rep.Trained, "only the run with the broken result.json")
	assert.Equal(t, []string{"swiglu-1.8K-s1"}, rep.Resumed, "from its final checkpoint, not from scratch")
	after := readResults(t, out)
	require.Len(t, after.Runs, len(before.Runs))
	for i := range after.Runs {
		assert.Equal(t, StatusFinished, after.Runs[i].Status)
		assert.Equal(t, before.Runs[i].FinalLoss, after.Runs[i].FinalLoss, "same loss as before for %s", after.Runs[i].Name)
	}
}

func TestDryRunTable(t *testing.T) {
	c, _ := sweepCfg(t, t.TempDir(), t.TempDir(), nn.GeLU, nn.SwiGLU)
	rows, err := DryRun(context.Background(), c)
	require.NoError(t, err)
	require.Len(t, rows, 6)
	for _, r := range rows {
		assert.Positive(t, r.Time, r.Spec.Name)
		assert.Equal(t, r.Spec.Shape.Params().NonEmbedding, r.Params)
		assert.InDelta(t, 6*float64(r.Params)*float64(r.Tokens), r.Compute, 1)
		assert.Greater(t, r.Memory.Total(), int64(workspaceBytes), "the estimate covers more than the workspace")
	}
	var b bytes.Buffer
	require.NoError(t, WriteDryRun(&b, rows, 1))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 8, b.String())
	for _, col := range []string{"run", "activation", "L", "d", "heads", "N", "D", "C (FLOP)", "memory", "est. time"} {
		assert.Contains(t, lines[0], col)
	}
	assert.Contains(t, lines[1], Bytes(rows[0].Memory.Total()))
	assert.Contains(t, lines[1], "gelu-800-s1")
	assert.Contains(t, lines[6], "swiglu-3K-s1")
	assert.Contains(t, lines[6], "holdout")
	assert.True(t, strings.HasPrefix(strings.TrimSpace(lines[7]), "total"))
	entries, err := os.ReadDir(c.Out)
	require.NoError(t, err)
	assert.Empty(t, entries, "a dry run writes nothing")
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		300 * time.Millisecond: "0.3s", 42 * time.Second: "42s", 187 * time.Second: "3m07s", 5*time.Hour + 12*time.Minute: "5h12m",
	} {
		assert.Equal(t, want, FormatDuration(d))
	}
}

func TestSweepRecordsDivergedRuns(t *testing.T) {
	out, cache := t.TempDir(), t.TempDir()
	c, log := sweepCfg(t, out, cache, nn.GeLU)
	c.Grid.LR = 1e6 // every run blows up
	rep, err := Sweep(context.Background(), c)
	require.NoError(t, err, "a diverged run does not stop the sweep")
	assert.Len(t, rep.Failed, 3, log.String())
	assert.Empty(t, rep.Trained)
	for name, s := range statuses(readResults(t, out)) {
		assert.Equal(t, StatusDiverged, s, name)
	}
	assert.Contains(t, log.String(), "FAILED gelu-3K-s1 (diverged)")
}

func TestSweepRefusesFinishedRunsWithOtherSettings(t *testing.T) {
	out, cache := t.TempDir(), t.TempDir()
	c, _ := sweepCfg(t, out, cache, nn.GeLU)
	c.Select.AnchorsOnly = true
	_, err := Sweep(context.Background(), c)
	require.NoError(t, err)
	before := readResults(t, out)

	c, log := sweepCfg(t, out, cache, nn.GeLU)
	c.Select.TokensPerParam = 12 // other settings, same run names
	_, err = Sweep(context.Background(), c)
	require.ErrorIs(t, err, ErrConfigChanged)
	require.ErrorIs(t, err, ErrPlanChanged)
	assert.Contains(t, err.Error(), filepath.Join(out, PlanFile))
	assert.Contains(t, err.Error(), "TokensPerParam 10, now 12")
	assert.Contains(t, err.Error(), "use another -out folder")
	assert.NotContains(t, log.String(), ": training", "nothing is trained")
	assert.Equal(t, before, readResults(t, out), "results.json is left as it was")

	// A folder swept before plans existed: the runs' own config.json files
	// still stop the sweep before any training.
	require.NoError(t, os.Remove(filepath.Join(out, PlanFile)))
	c, log = sweepCfg(t, out, cache, nn.GeLU)
	c.Select.TokensPerParam = 12
	_, err = Sweep(context.Background(), c)
	require.ErrorIs(t, err, ErrConfigChanged)
	assert.Contains(t, err.Error(), filepath.Join(out, "gelu-800-s1"))
	assert.NotContains(t, log.String(), ": training", "nothing is trained")
	assert.NoFileExists(t, filepath.Join(out, PlanFile), "no plan is written over runs it does not describe")
}
