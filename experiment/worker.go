package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/internal/cli"
	"github.com/empirical-scaling/harness/internal/filelock"
	"github.com/empirical-scaling/harness/tensor"
)

// RunLockFile is the per-run lock in a run's folder: present while a
// process trains the run, holding its host and pid.
const RunLockFile = "run.lock"

// WorkerConfig describes one worker of a planned sweep: it trains the
// run of Dir/plan.json at Index.
type WorkerConfig struct {
	Dir   string // the sweep folder holding plan.json
	Index int    // the run's index in the plan
	// Device trains the run; it must be of the plan's device kind.
	Device   tensor.Device
	CacheDir string // data cache ("" = the user cache folder)
	// CheckpointEvery and CheckpointSteps are passed to the run.
	CheckpointEvery time.Duration
	CheckpointSteps int
	// Lock tunes the run lock; Lock.Note says who holds it (a Slurm job).
	Lock filelock.Options
	// LockWait is how long to wait for a run held by another process
	// (0: fail at once with an error naming the holder).
	LockWait time.Duration
	// Progress, Log, Logger and OnStep are as in SweepConfig.
	Progress io.Writer
	Log      io.Writer
	Logger   *slog.Logger
	OnStep   func(Progress)
}

// WorkerReport says what RunPlanned did.
type WorkerReport struct {
	Run      PlannedRun
	Result   *Result // nil when the run was not started
	Skipped  bool    // finished before
	Resumed  bool    // continued from a checkpoint
	Trained  bool    // trained to the end by this call
	Failed   string  // why the run failed or diverged
	Warnings []string
}

// RunPlanned trains the run at c.Index of the plan in c.Dir, holding the
// run's lock while it trains, and then rebuilds c.Dir/results.json. The
// run's settings, resolved against this worker's data, must match the
// plan: otherwise it returns an error wrapping ErrConfigChanged before any
// training. A run held by another live process returns an error wrapping
// *filelock.HeldError (after waiting c.LockWait). A finished run is not
// trained again. A run that fails or diverges returns the run's error.
func RunPlanned(ctx context.Context, c WorkerConfig) (*WorkerReport, error) {
	if c.Device == nil {
		return nil, errors.New("run: no device")
	}
	p, err := ReadPlan(c.Dir)
	if err != nil {
		return nil, fmt.Errorf("run: %w (write it first with experiment plan)", err)
	}
	if c.Index < 0 || c.Index >= len(p.Runs) {
		return nil, fmt.Errorf("run: index %d: %s plans runs 0 to %d", c.Index, filepath.Join(c.Dir, PlanFile), len(p.Runs)-1)
	}
	if k := DeviceKind(c.Device); k != p.Device {
		return nil, fmt.Errorf("run: %w: %s was planned for %s and this worker has %s; plan again with -device %s in another folder",
			ErrConfigChanged, filepath.Join(c.Dir, PlanFile), p.Device, k, k)
	}
	rep := &WorkerReport{Run: p.Runs[c.Index]}
	ds, err := prepareData(ctx, p.Grid, c.CacheDir, c.Progress)
	if err != nil {
		return rep, fmt.Errorf("run: %w", err)
	}
	defer ds.Close()
	out := c.Log
	if out == nil {
		out = io.Discard
	}
	t, err := newTrainer(p, ds, workerSettings{dir: c.Dir, cacheDir: c.CacheDir, ckptEvery: c.CheckpointEvery,
		ckptSteps: c.CheckpointSteps, progress: c.Progress, onStep: c.OnStep, logger: c.Logger, out: out, mu: &sync.Mutex{},
		lock: c.Lock, lockWait: c.LockWait})
	if err != nil {
		return rep, fmt.Errorf("run: %w", err)
	}
	o, err := t.runIndex(ctx, c.Index, c.Device)
	rep.Result, rep.Skipped, rep.Resumed, rep.Trained, rep.Failed, rep.Warnings = o.res, o.skipped, o.resumed, o.trained, o.failed, o.warnings
	switch {
	case err != nil:
		return rep, fmt.Errorf("run: %w", err)
	case o.held != nil:
		return rep, fmt.Errorf("run %s: %w; it is being trained there (or wait for its lock to go stale if that process is gone)", rep.Run.Name, o.held)
	case o.runErr != nil:
		return rep, o.runErr
	}
	return rep, nil
}

// workerSettings are what a trainer passes to every run.
type workerSettings struct {
	dir, cacheDir string
	ckptEvery     time.Duration
	ckptSteps     int
	progress      io.Writer
	onStep        func(Progress)
	logger        *slog.Logger
	out           io.Writer   // one line per run event
	mu            *sync.Mutex // guards out
	lock          filelock.Options
	lockWait      time.Duration
}

// trainer trains runs of one plan on one prepared dataset.
type trainer struct {
	workerSettings
	p     *Plan
	ds    *data.Dataset
	specs []RunSpec
}

func newTrainer(p *Plan, ds *data.Dataset, w workerSettings) (*trainer, error) {
	specs, err := p.Grid.Runs(p.Select)
	if err != nil {
		return nil, err
	}
	if len(specs) != len(p.Runs) {
		return nil, fmt.Errorf("%w: %s plans %d runs and its settings give %d (another version of the program?)",
			ErrConfigChanged, filepath.Join(w.dir, PlanFile), len(p.Runs), len(specs))
	}
	for i, s := range specs {
		if s.Name != p.Runs[i].Name {
			return nil, fmt.Errorf("%w: %s plans run %d as %s and its settings give %s (another version of the program?)",
				ErrConfigChanged, filepath.Join(w.dir, PlanFile), i, p.Runs[i].Name, s.Name)
		}
	}
	return &trainer{workerSettings: w, p: p, ds: ds, specs: specs}, nil
}

// outcome is what happened to one run.
type outcome struct {
	res      *Result
	held     *filelock.HeldError // another process holds the run
	skipped  bool                // finished before
	trained  bool                // trained to the end now
	resumed  bool
	failed   string // failed or diverged: why
	runErr   error  // the run's own error (failed, diverged, interrupted)
	warnings []string
}

func (t *trainer) logf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, format, args...)
}

// runIndex trains run i of the plan on dev under the run's lock and then
// rebuilds results.json. Its error is for what stops a worker (the plan
// does not match this worker's data, results.json cannot be written); the
// run's own failure is in the outcome.
func (t *trainer) runIndex(ctx context.Context, i int, dev tensor.Device) (outcome, error) {
	pr, spec := t.p.Runs[i], t.specs[i]
	rc, rp, err := t.p.Grid.planRunFor(spec, t.ds.Train.VocabSize(), t.ds.Train.Len(), t.ds.Val.Len(), t.p.Device)
	if err != nil {
		return outcome{}, err
	}
	if !jsonEqual(rp, pr.Config) {
		return outcome{}, fmt.Errorf("%w: %s plans %s with other settings than this worker resolves from its data (%s); check -cache and the data, or plan again in another folder",
			ErrConfigChanged, filepath.Join(t.dir, PlanFile), pr.Name, fieldDiff(pr.Config, rp))
	}
	dir := filepath.Join(t.dir, pr.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return outcome{}, fmt.Errorf("%s: %w", pr.Name, err)
	}
	lock, err := filelock.AcquireWait(ctx, filepath.Join(dir, RunLockFile), t.lock, t.lockWait, time.Second)
	if held := (*filelock.HeldError)(nil); errors.As(err, &held) {
		t.logf("busy %s: %v\n", pr.Name, held)
		return outcome{held: held}, nil
	} else if err != nil {
		return outcome{}, fmt.Errorf("%s: %w", pr.Name, err)
	}
	o, err := t.trainLocked(ctx, i, dev, rc, rp, lock)
	if rerr := lock.Release(); rerr != nil {
		o.warnings = append(o.warnings, rerr.Error())
	}
	if _, _, rerr := RebuildResults(context.WithoutCancel(ctx), t.dir, t.p); rerr != nil {
		err = errors.Join(err, rerr)
	}
	return o, err
}

// trainLocked is runIndex's part under the run lock.
func (t *trainer) trainLocked(ctx context.Context, i int, dev tensor.Device, rc RunConfig, rp plan, lock *filelock.Lock) (outcome, error) {
	pr := t.p.Runs[i]
	dir := filepath.Join(t.dir, pr.Name)
	var o outcome
	res, ok, err := readResult(dir)
	switch {
	case err != nil:
		o.warnings = append(o.warnings, err.Error())
	case ok && res.Status == StatusFinished:
		same, err := sameConfig(dir, rp)
		if err != nil || !same {
			return o, fmt.Errorf("%w: %s finished with other settings than %s plans; use another -out folder or remove it",
				ErrConfigChanged, dir, PlanFile)
		}
		t.logf("skip %s: finished before (val loss %.4f)\n", pr.Name, res.FinalLoss)
		return outcome{res: res, skipped: true}, nil
	}

	rc.Train, rc.Val, rc.CacheDir = t.ds.Train, t.ds.Val, t.cacheDir
	rc.Dataset = datasetRef(t.ds)
	rc.Out = dir
	rc.CheckpointEvery, rc.CheckpointSteps = t.ckptEvery, t.ckptSteps
	rc.Progress, rc.Logger, rc.OnStep = t.progress, t.logger, t.onStep
	rc.Device = dev

	verb := "training"
	if st, _, ok, _ := latestCheckpoint(dir); ok {
		verb = fmt.Sprintf("resuming from step %d of %d", st.Step, rp.Steps)
		o.resumed = true
	}
	t.logf("[%d/%d] %s: %s N=%d D=%d C=%.3g on %s: %s\n", i+1, len(t.p.Runs), pr.Name,
		rp.Model.String(), rp.Params, rp.Tokens, rp.Compute, dev.Name(), verb)

	// Losing the lock (another worker judged this one dead and took the
	// run over) stops the training.
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-lock.Lost():
			cancel(errors.New("the run lock was taken over by another worker"))
		case <-rctx.Done():
		}
	}()
	start := time.Now()
	res, err = Run(rctx, rc)
	o.res = res
	switch {
	case err == nil:
		o.trained = true
		t.logf("done %s: val loss %.4f in %.1f s\n", pr.Name, res.FinalLoss, time.Since(start).Seconds())
	case rctx.Err() != nil && errors.Is(err, rctx.Err()):
		o.runErr = err
		if cause := context.Cause(rctx); ctx.Err() == nil && cause != nil {
			o.runErr = fmt.Errorf("%s: %w", pr.Name, cause)
		}
		t.logf("interrupted %s: checkpoint saved in %s\n", pr.Name, dir)
	default:
		o.runErr = err
		status := StatusFailed
		if res != nil && res.Status == StatusDiverged {
			status = StatusDiverged
		}
		o.failed = cli.OneLine(err.Error())
		if res == nil || res.Status != status {
			// Run stopped before it could write its result (e.g. the
			// folder holds another run): record why, unless the folder
			// holds a finished result, which stays.
			if prev, ok, _ := readResult(dir); !ok || prev.Status != StatusFinished {
				entry := pendingFromPlan(pr)
				entry.Status, entry.Error = status, o.failed
				if werr := writeResultFile(dir, &entry); werr != nil {
					o.warnings = append(o.warnings, werr.Error())
				}
			}
		}
		t.logf("FAILED %s (%s): %s; the sweep goes on\n", pr.Name, status, o.failed)
	}
	return o, nil
}

// writeResultFile writes res as dir/result.json atomically.
func writeResultFile(dir string, res *Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("result: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, ResultFile), append(b, '\n'))
}

// pendingFromPlan is the results.json entry of a planned run not started yet.
func pendingFromPlan(r PlannedRun) Result {
	return Result{
		Name: r.Name, Activation: r.Activation, Role: r.Role, Seed: int(r.Seed),
		Layers: r.Layers, Width: r.Width, Heads: r.Heads,
		Params: r.Params, TotalParams: r.Config.TotalParams, Tokens: r.Tokens, Compute: r.Compute,
		Budget: r.Config.Budget, LR: r.Config.Schedule.MaxLR, Status: StatusPending,
	}
}

// RebuildResults rewrites dir/results.json from the runs' own result.json
// files, in the plan's order (a run without one is pending), under the
// sweep folder's lock and atomically, so that concurrent workers never
// leave an older picture over a newer one. Unreadable run files are
// returned as warnings and their runs listed as pending.
func RebuildResults(ctx context.Context, dir string, p *Plan) (Results, []string, error) {
	rs := Results{Grid: p.Grid.Name, Command: p.Command, Version: p.Version, Runs: make([]Result, len(p.Runs))}
	lock, err := lockFolder(ctx, dir)
	if err != nil {
		return rs, nil, fmt.Errorf("%s: %w", ResultsFile, err)
	}
	defer lock.Release()
	var warnings []string
	for i, r := range p.Runs {
		entry := pendingFromPlan(r)
		res, ok, err := readResult(filepath.Join(dir, r.Name))
		switch {
		case err != nil:
			warnings = append(warnings, err.Error())
		case ok:
			entry = *res
			entry.Name = r.Name
		}
		rs.Runs[i] = entry
	}
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return rs, warnings, fmt.Errorf("%s: %w", ResultsFile, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ResultsFile), append(b, '\n')); err != nil {
		return rs, warnings, err
	}
	return rs, warnings, nil
}
