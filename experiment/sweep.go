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
	"github.com/empirical-scaling/harness/tensor"
)

// StatusPending marks, in results.json, a run of the sweep that has not
// started yet.
const StatusPending = "pending"

// ResultsFile is the sweep's collection of every run's result, in the
// sweep's output folder.
const ResultsFile = "results.json"

// SweepConfig describes a sweep: a grid, which of its runs, where to
// write them and on which devices.
type SweepConfig struct {
	Grid   Grid
	Select GridOptions
	// Data overrides the grid's data source; CacheDir is the data cache
	// ("" = the user cache folder).
	Data     string
	CacheDir string
	// Out is the sweep folder: Out/<run>/ per run, Out/results.json.
	Out string
	// Devices run one run each at a time (several GPUs run in parallel).
	Devices []tensor.Device
	// Command and Version are recorded in results.json.
	Command, Version string
	// CheckpointEvery and CheckpointSteps are passed to every run.
	CheckpointEvery time.Duration
	CheckpointSteps int
	// Progress receives data preparation's progress bars (nil: none; off
	// with several devices). Log receives one line per run event (nil:
	// none). Logger receives the runs' structured logs.
	Progress io.Writer
	Log      io.Writer
	Logger   *slog.Logger
	// OnStep is every run's RunConfig.OnStep (Progress.Run names the run).
	// With several devices it is called from several goroutines at once.
	OnStep func(Progress)
}

// SweepReport says what a sweep did.
type SweepReport struct {
	Results  Results
	Trained  []string // runs trained to the end by this call (resumed ones included)
	Resumed  []string // runs that continued from a checkpoint
	Skipped  []string // runs finished before this call
	Failed   []string // runs that failed or diverged, with the reason
	Warnings []string // unreadable files found and worked around
}

// Sweep trains every run of the grid that is not finished yet, one run
// per device at a time, and keeps Out/results.json up to date (rewritten
// atomically after every run). Finished runs whose config.json matches
// are skipped, interrupted ones resume from their checkpoint, and a run
// that fails or diverges is reported and the sweep goes on. A finished
// run made with other settings stops the sweep before any training, with
// an error wrapping ErrConfigChanged: Out belongs to another sweep.
//
// Cancelling ctx checkpoints the runs in progress and returns an error
// wrapping ctx's error; rerunning the same sweep resumes.
func Sweep(ctx context.Context, c SweepConfig) (*SweepReport, error) {
	if c.Out == "" {
		return nil, errors.New("sweep: no output folder")
	}
	if len(c.Devices) == 0 {
		return nil, errors.New("sweep: no device")
	}
	g := c.Grid
	if c.Data != "" {
		g.Data = c.Data
	}
	specs, err := g.Runs(c.Select)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, fmt.Errorf("sweep: output folder: %w", err)
	}
	s := &sweeper{c: c, g: g, out: io.Discard, rep: &SweepReport{}}
	if c.Log != nil {
		s.out = c.Log
	}
	s.checkOldResults()

	progress := c.Progress
	if len(c.Devices) > 1 {
		progress = nil
	}
	ds, err := data.Prepare(ctx, data.Options{Source: g.Data, CacheDir: c.CacheDir, VocabSize: g.VocabSize,
		SyntheticBytes: g.SyntheticBytes, Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("sweep: data %q: %w", g.Data, err)
	}
	defer ds.Close()
	fmt.Fprintf(s.out, "data: %s (%d training tokens, vocabulary %d)\n", ds.Dir, ds.Train.Len(), ds.Train.VocabSize())

	s.rep.Results = Results{Grid: g.Name, Command: c.Command, Version: c.Version, Runs: make([]Result, len(specs))}
	var (
		todo       []job
		mismatched []error
	)
	for i, spec := range specs {
		rc, p, err := g.planRun(spec, ds.Train.VocabSize(), ds.Train.Len(), ds.Val.Len())
		if err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
		rc.Train, rc.Val, rc.CacheDir = ds.Train, ds.Val, c.CacheDir
		rc.Out = filepath.Join(c.Out, spec.Name)
		rc.CheckpointEvery, rc.CheckpointSteps = c.CheckpointEvery, c.CheckpointSteps
		rc.Progress, rc.Logger, rc.OnStep = progress, c.Logger, c.OnStep
		train, err := s.initial(i, spec, p, rc.Out)
		if err != nil {
			mismatched = append(mismatched, err)
			continue
		}
		if train {
			todo = append(todo, job{i: i, spec: spec, cfg: rc, plan: p})
		}
	}
	if len(mismatched) > 0 {
		return nil, fmt.Errorf("sweep: %s holds %d finished run(s) made with other settings, first %w; use another -out folder or remove them",
			c.Out, len(mismatched), mismatched[0])
	}
	if err := s.writeResults(); err != nil {
		return nil, err
	}
	fmt.Fprintf(s.out, "sweep: grid %s, %d runs (%d finished before, %d to train) in %s\n",
		g.Name, len(specs), len(specs)-len(todo), len(todo), c.Out)

	jobs := make(chan job)
	var (
		wg   sync.WaitGroup
		emu  sync.Mutex
		werr error
	)
	for _, dev := range c.Devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := s.train(ctx, j, dev, len(specs)); err != nil {
					emu.Lock()
					werr = errors.Join(werr, err)
					emu.Unlock()
				}
			}
		}()
	}
feed:
	for _, j := range todo {
		select {
		case <-ctx.Done():
			break feed
		case jobs <- j:
		}
	}
	close(jobs)
	wg.Wait()
	if werr != nil {
		return s.rep, werr
	}
	if err := ctx.Err(); err != nil {
		return s.rep, fmt.Errorf("sweep interrupted: the run in progress is checkpointed in %s; rerun the same command to resume: %w", c.Out, err)
	}
	return s.rep, nil
}

// job is one run to train.
type job struct {
	i    int
	spec RunSpec
	cfg  RunConfig
	plan plan
}

// sweeper is the state of one Sweep call.
type sweeper struct {
	c   SweepConfig
	g   Grid
	out io.Writer
	mu  sync.Mutex // guards rep and results.json
	rep *SweepReport
}

func (s *sweeper) warn(msg string) {
	s.rep.Warnings = append(s.rep.Warnings, msg)
	fmt.Fprintln(s.out, "warning: "+msg)
}

// checkOldResults reports an unreadable results.json; it is rebuilt from
// the runs' own result.json files.
func (s *sweeper) checkOldResults() {
	path := filepath.Join(s.c.Out, ResultsFile)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return
	}
	var rs Results
	if err == nil {
		err = json.Unmarshal(b, &rs)
	}
	if err != nil {
		s.warn(fmt.Sprintf("%s is unreadable (%v); rebuilding it from the runs' result.json files", path, err))
	}
}

// initial fills results entry i from the run's folder and says whether
// the run still has to be trained. A finished run whose config.json does
// not match this sweep's settings is an error: the folder belongs to
// another sweep, and neither training over it nor analysing it would be
// right.
func (s *sweeper) initial(i int, spec RunSpec, p plan, dir string) (bool, error) {
	entry := pendingResult(spec, p)
	defer func() { s.rep.Results.Runs[i] = entry }()
	res, ok, err := readResult(dir)
	switch {
	case err != nil:
		s.warn(fmt.Sprintf("%v; the run resumes from its last checkpoint (or starts over) and rewrites it", err))
		return true, nil
	case !ok:
		return true, nil
	}
	res.Name = spec.Name
	entry = *res
	if res.Status != StatusFinished {
		return true, nil
	}
	same, err := sameConfig(dir, p)
	switch {
	case err != nil:
		return false, fmt.Errorf("%s finished, but its settings cannot be checked (%w); remove it to retrain it", dir, err)
	case !same:
		return false, fmt.Errorf("%w: %s finished with other settings than this sweep's (grid, data, -tokens-per-param, ...)", ErrConfigChanged, dir)
	}
	s.rep.Skipped = append(s.rep.Skipped, spec.Name)
	fmt.Fprintf(s.out, "skip %s: finished before (val loss %.4f)\n", spec.Name, res.FinalLoss)
	return false, nil
}

// train runs one job on dev and records its result. It returns an error
// only when results.json cannot be written.
func (s *sweeper) train(ctx context.Context, j job, dev tensor.Device, total int) error {
	if ctx.Err() != nil {
		return nil
	}
	c := j.cfg
	c.Device = dev
	verb := "training"
	st, _, ok, _ := latestCheckpoint(c.Out)
	if ok {
		verb = fmt.Sprintf("resuming from step %d of %d", st.Step, j.plan.Steps)
	}
	s.mu.Lock()
	fmt.Fprintf(s.out, "[%d/%d] %s: %s N=%d D=%d C=%.3g on %s: %s\n", j.i+1, total, j.spec.Name,
		j.plan.Model.String(), j.plan.Params, j.plan.Tokens, j.plan.Compute, dev.Name(), verb)
	s.mu.Unlock()

	start := time.Now()
	res, err := Run(ctx, c)
	s.mu.Lock()
	defer s.mu.Unlock()
	entry := pendingResult(j.spec, j.plan)
	if res != nil {
		entry = *res
		entry.Name = j.spec.Name
	}
	switch {
	case err == nil:
		s.rep.Trained = append(s.rep.Trained, j.spec.Name)
		if ok {
			s.rep.Resumed = append(s.rep.Resumed, j.spec.Name)
		}
		fmt.Fprintf(s.out, "done %s: val loss %.4f in %.1f s\n", j.spec.Name, entry.FinalLoss, time.Since(start).Seconds())
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		if res == nil {
			entry.Status = StatusRunning
		}
		entry.Error = "interrupted; rerun the sweep to resume"
		fmt.Fprintf(s.out, "interrupted %s: checkpoint saved in %s\n", j.spec.Name, c.Out)
	default:
		if res == nil || entry.Status == StatusRunning || entry.Status == StatusFinished {
			entry.Status = StatusFailed
		}
		entry.Error = cli.OneLine(err.Error())
		s.rep.Failed = append(s.rep.Failed, j.spec.Name+": "+entry.Error)
		fmt.Fprintf(s.out, "FAILED %s (%s): %s; the sweep goes on\n", j.spec.Name, entry.Status, entry.Error)
	}
	s.rep.Results.Runs[j.i] = entry
	return s.writeResults()
}

// writeResults rewrites Out/results.json atomically. The caller holds
// s.mu or runs alone.
func (s *sweeper) writeResults() error {
	b, err := json.MarshalIndent(s.rep.Results, "", "  ")
	if err != nil {
		return fmt.Errorf("sweep: %s: %w", ResultsFile, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(s.c.Out, ResultsFile), append(b, '\n')); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	return nil
}
