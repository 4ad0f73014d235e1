package experiment

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/internal/filelock"
	"github.com/empirical-scaling/harness/kernels/cpu"
	"github.com/empirical-scaling/harness/nn"
)

// plannedFolder writes the plan of the micro grid (gelu only) into a new
// sweep folder.
func plannedFolder(t *testing.T, cache string) (string, *Plan) {
	t.Helper()
	dir := t.TempDir()
	p, err := MakePlan(context.Background(), PlanConfig{Grid: microGrid(), Select: GridOptions{Activations: []nn.Activation{nn.GeLU}},
		CacheDir: cache, Device: KindCPU, Command: "test", Version: "v0"})
	require.NoError(t, err)
	p, err = WritePlan(context.Background(), dir, p)
	require.NoError(t, err)
	return dir, p
}

func TestPlanFileAndRefusal(t *testing.T) {
	cache := t.TempDir()
	dir, p := plannedFolder(t, cache)
	require.Len(t, p.Runs, 3)
	for i, r := range p.Runs {
		assert.Equal(t, i, r.Index)
		assert.Positive(t, r.Params)
		assert.Equal(t, r.Config.Tokens, r.Tokens)
	}
	back, err := ReadPlan(dir)
	require.NoError(t, err)
	assert.Empty(t, back.Diff(p))

	// The same plan again is kept; a different one is refused and nothing changes.
	_, err = WritePlan(context.Background(), dir, p)
	require.NoError(t, err)
	before, err := os.ReadFile(filepath.Join(dir, PlanFile))
	require.NoError(t, err)
	q, err := MakePlan(context.Background(), PlanConfig{Grid: microGrid(), Select: GridOptions{Activations: []nn.Activation{nn.GeLU}, TokensPerParam: 20},
		CacheDir: cache, Device: KindCPU})
	require.NoError(t, err)
	_, err = WritePlan(context.Background(), dir, q)
	require.ErrorIs(t, err, ErrPlanChanged)
	require.ErrorIs(t, err, ErrConfigChanged)
	assert.Contains(t, err.Error(), "TokensPerParam 10, now 20")
	after, err := os.ReadFile(filepath.Join(dir, PlanFile))
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

func TestRunPlannedTrainsOnceAndRebuildsResults(t *testing.T) {
	cache := t.TempDir()
	dir, p := plannedFolder(t, cache)
	w := WorkerConfig{Dir: dir, Index: 1, Device: cpu.New(), CacheDir: cache}
	rep, err := RunPlanned(context.Background(), w)
	require.NoError(t, err)
	assert.True(t, rep.Trained)
	assert.Equal(t, p.Runs[1].Name, rep.Run.Name)
	assert.NoFileExists(t, filepath.Join(dir, p.Runs[1].Name, RunLockFile), "the lock is released")

	rs := readResults(t, dir)
	require.Len(t, rs.Runs, 3)
	assert.Equal(t, []string{StatusPending, StatusFinished, StatusPending},
		[]string{rs.Runs[0].Status, rs.Runs[1].Status, rs.Runs[2].Status})

	rep, err = RunPlanned(context.Background(), w)
	require.NoError(t, err)
	assert.True(t, rep.Skipped, "a finished run is not trained again")
	assert.False(t, rep.Trained)

	_, err = RunPlanned(context.Background(), WorkerConfig{Dir: dir, Index: 3, Device: cpu.New(), CacheDir: cache})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "plans runs 0 to 2")
}

func TestRunPlannedRefusesAHeldRun(t *testing.T) {
	cache := t.TempDir()
	dir, p := plannedFolder(t, cache)
	runDir := filepath.Join(dir, p.Runs[0].Name)
	require.NoError(t, os.MkdirAll(runDir, 0o755))
	held, err := filelock.Acquire(filepath.Join(runDir, RunLockFile), filelock.Options{Note: "another worker"})
	require.NoError(t, err)
	rep, err := RunPlanned(context.Background(), WorkerConfig{Dir: dir, Index: 0, Device: cpu.New(), CacheDir: cache})
	var he *filelock.HeldError
	require.ErrorAs(t, err, &he)
	assert.Contains(t, err.Error(), "another worker")
	assert.False(t, rep.Trained)
	assert.NoFileExists(t, filepath.Join(runDir, ResultFile), "nothing trained")

	_, states, err := SweepStatus(dir)
	require.NoError(t, err)
	assert.Equal(t, StatusRunning, states[0].Status)
	require.NotNil(t, states[0].Holder)
	assert.Equal(t, os.Getpid(), states[0].Holder.PID)
	assert.Equal(t, StatusPending, states[1].Status)

	// Waiting for the lock: the holder finishes, the waiter trains.
	go func() {
		time.Sleep(100 * time.Millisecond)
		held.Release()
	}()
	rep, err = RunPlanned(context.Background(), WorkerConfig{Dir: dir, Index: 0, Device: cpu.New(), CacheDir: cache, LockWait: time.Minute})
	require.NoError(t, err)
	assert.True(t, rep.Trained)
}

func TestRunPlannedChecksThePlanFirst(t *testing.T) {
	cache := t.TempDir()
	dir, p := plannedFolder(t, cache)
	// The plan was made on other data than this worker finds.
	p.Runs[2].Config.TrainTokensData++
	b, err := json.Marshal(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, PlanFile), b, 0o644))
	_, err = RunPlanned(context.Background(), WorkerConfig{Dir: dir, Index: 2, Device: cpu.New(), CacheDir: cache})
	require.ErrorIs(t, err, ErrConfigChanged)
	assert.Contains(t, err.Error(), "TrainTokensData")
	assert.NoDirExists(t, filepath.Join(dir, p.Runs[2].Name), "nothing trained")
}

func TestCheckFolder(t *testing.T) {
	out, cache := t.TempDir(), t.TempDir()
	c, _ := sweepCfg(t, out, cache, nn.GeLU)
	c.Select.AnchorsOnly = true
	_, err := Sweep(context.Background(), c)
	require.NoError(t, err)
	require.NoError(t, CheckFolder(out))

	// A run trained with other settings slipped into the folder.
	other := t.TempDir()
	c2, _ := sweepCfg(t, other, cache, nn.GeLU)
	c2.Select.AnchorsOnly, c2.Select.TokensPerParam = true, 20
	_, err = Sweep(context.Background(), c2)
	require.NoError(t, err)
	cfg, err := os.ReadFile(filepath.Join(other, "gelu-1.8K-s1", ConfigFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, "gelu-1.8K-s1", ConfigFile), cfg, 0o644))
	err = CheckFolder(out)
	require.ErrorIs(t, err, ErrRunsDisagree)
	assert.Contains(t, err.Error(), "gelu-1.8K-s1")

	// Without a plan (a folder from before plans) the mix of D = 10N and
	// D = 20N is still found.
	require.NoError(t, os.Remove(filepath.Join(out, PlanFile)))
	err = CheckFolder(out)
	require.ErrorIs(t, err, ErrRunsDisagree)
	assert.Contains(t, err.Error(), "tokens per parameter")
	require.NoError(t, os.Remove(filepath.Join(other, PlanFile)))
	require.NoError(t, CheckFolder(other))
}

func TestTimeLeft(t *testing.T) {
	p := &Plan{Runs: []PlannedRun{{Compute: 100, Steps: 10}, {Compute: 200, Steps: 10}, {Compute: 300, Steps: 10}}}
	states := []RunState{
		{Run: p.Runs[0], Status: StatusFinished, WallSeconds: 10},
		{Run: p.Runs[1], Status: StatusRunning, Step: 5},
		{Run: p.Runs[2], Status: StatusPending},
	}
	left, basis, ok := TimeLeft(p, states)
	require.True(t, ok)
	assert.Contains(t, basis, "finished runs")
	assert.Equal(t, 40*time.Second, left, "half of 20 s plus 30 s at 0.1 s per FLOP")
	_, _, ok = TimeLeft(p, states[1:])
	assert.False(t, ok, "nothing to estimate from")
}
