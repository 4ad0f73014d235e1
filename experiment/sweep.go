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

	"github.com/empirical-scaling/harness/internal/filelock"
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
	// Data overrides the grid's data source, Tokenizer its tokenizer
	// ("gpt2": GPT-2's); CacheDir is the data cache ("" = the user cache
	// folder).
	Data      string
	Tokenizer string
	CacheDir  string
	// TextColumn overrides the grid's text column of Parquet sources.
	TextColumn string
	// Out is the sweep folder: Out/<run>/ per run, Out/results.json.
	Out string
	// Devices run one run each at a time (several GPUs run in parallel).
	Devices []tensor.Device
	// Command and Version are recorded in results.json.
	Command, Version string
	// TuneLR trains a ladder of learning rates on each activation's
	// smallest size before the grid and sets Select.LRScale from it (see
	// LRTuning; the tuning runs live in Out beside the grid's).
	TuneLR bool
	// TuneOnly stops after the tuning (for a plan made from it later).
	TuneOnly bool
	// CheckpointEvery and CheckpointSteps are passed to every run.
	CheckpointEvery time.Duration
	CheckpointSteps int
	// Progress receives data preparation's progress bars (nil: none; off
	// with several devices). Log receives one line per run event (nil:
	// none). Logger receives the runs' structured logs.
	Progress io.Writer
	Log      io.Writer
	Logger   *slog.Logger
	// Lock tunes the per-run locks (zero: filelock's defaults).
	Lock filelock.Options
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
	Busy     []string // runs another process was training, with its host and pid
	Warnings []string // unreadable files found and worked around
}

// Sweep plans the grid into Out/plan.json (refusing a folder planned with
// other settings) and trains every run of the plan that is not finished
// yet in this process, one run per device at a time: the same per-run
// step as RunPlanned, so that this sweep can share its folder with other
// workers. Out/results.json is rebuilt from the runs' result.json files
// after every run. Finished runs whose config.json matches are skipped,
// interrupted ones resume from their checkpoint, a run held by another
// process is left to it, and a run that fails or diverges is reported and
// the sweep goes on. A finished run made with other settings stops the
// sweep before any training, with an error wrapping ErrConfigChanged:
// Out belongs to another sweep.
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
	pc := PlanConfig{Grid: c.Grid, Select: c.Select, Data: c.Data, Tokenizer: c.Tokenizer, TextColumn: c.TextColumn, CacheDir: c.CacheDir,
		Device: DeviceKind(c.Devices[0]), Command: c.Command, Version: c.Version}
	g := pc.grid()
	if _, err := g.Runs(c.Select); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, fmt.Errorf("sweep: output folder: %w", err)
	}
	s := &sweeper{c: c, out: io.Discard, rep: &SweepReport{}}
	if c.Log != nil {
		s.out = c.Log
	}
	s.checkOldResults()

	progress := c.Progress
	if len(c.Devices) > 1 {
		progress = nil
	}
	ds, err := prepareData(ctx, g, c.CacheDir, progress)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	defer ds.Close()
	fmt.Fprintf(s.out, "data: %s (%d training tokens, vocabulary %d)\n", ds.Dir, ds.Train.Len(), ds.Train.VocabSize())
	if c.TuneLR {
		tun, err := s.tuneLR(ctx, g, ds)
		if err != nil {
			return s.rep, fmt.Errorf("sweep: %w", err)
		}
		c.Select.LRScale = tun.Scales()
		pc.Select = c.Select
		s.c = c
		if c.TuneOnly {
			return s.rep, nil
		}
	}
	p, err := newPlan(pc, ds)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	if err := CheckPlan(c.Out, p); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	t, err := newTrainer(p, ds, workerSettings{
		dir: c.Out, cacheDir: c.CacheDir, ckptEvery: c.CheckpointEvery, ckptSteps: c.CheckpointSteps,
		progress: progress, onStep: c.OnStep, logger: c.Logger, out: s.out, mu: &s.mu, lock: c.Lock,
	})
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}

	var (
		todo       []int
		mismatched []error
	)
	for i, r := range p.Runs {
		train, err := s.initial(r, filepath.Join(c.Out, r.Name))
		if err != nil {
			mismatched = append(mismatched, err)
			continue
		}
		if train {
			todo = append(todo, i)
		}
	}
	if len(mismatched) > 0 {
		return nil, fmt.Errorf("sweep: %s holds %d finished run(s) made with other settings, first %w; use another -out folder or remove them",
			c.Out, len(mismatched), mismatched[0])
	}
	if p, err = WritePlan(ctx, c.Out, p); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	rs, _, err := RebuildResults(ctx, c.Out, p)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	s.rep.Results = rs
	fmt.Fprintf(s.out, "sweep: grid %s, %d runs (%d finished before, %d to train) in %s\n",
		g.Name, len(p.Runs), len(p.Runs)-len(todo), len(todo), c.Out)

	jobs := make(chan int)
	var (
		wg   sync.WaitGroup
		werr error
	)
	for _, dev := range c.Devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if ctx.Err() != nil {
					continue
				}
				o, err := t.runIndex(ctx, i, dev)
				s.mu.Lock()
				s.record(p.Runs[i].Name, o)
				if err != nil {
					werr = errors.Join(werr, err)
				}
				s.mu.Unlock()
			}
		}()
	}
feed:
	for _, i := range todo {
		select {
		case <-ctx.Done():
			break feed
		case jobs <- i:
		}
	}
	close(jobs)
	wg.Wait()
	if rs, _, err := RebuildResults(context.WithoutCancel(ctx), c.Out, p); err == nil {
		s.rep.Results = rs
	} else {
		werr = errors.Join(werr, err)
	}
	if werr != nil {
		return s.rep, fmt.Errorf("sweep: %w", werr)
	}
	if err := ctx.Err(); err != nil {
		return s.rep, fmt.Errorf("sweep interrupted: the run in progress is checkpointed in %s; rerun the same command to resume: %w", c.Out, err)
	}
	return s.rep, nil
}

// sweeper is the state of one Sweep call.
type sweeper struct {
	c   SweepConfig
	out io.Writer
	mu  sync.Mutex // guards rep and the log lines
	rep *SweepReport
}

func (s *sweeper) warn(msg string) {
	s.rep.Warnings = append(s.rep.Warnings, msg)
	fmt.Fprintln(s.out, "warning: "+msg)
}

// record adds one run's outcome to the report. The caller holds s.mu.
func (s *sweeper) record(name string, o outcome) {
	switch {
	case o.held != nil:
		s.rep.Busy = append(s.rep.Busy, name+": "+o.held.Owner.String())
	case o.skipped:
		s.rep.Skipped = append(s.rep.Skipped, name)
	case o.failed != "":
		s.rep.Failed = append(s.rep.Failed, name+": "+o.failed)
	case o.trained:
		s.rep.Trained = append(s.rep.Trained, name)
		if o.resumed {
			s.rep.Resumed = append(s.rep.Resumed, name)
		}
	}
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

// initial says whether run r still has to be trained, from its folder. A
// finished run whose config.json does not match the plan is an error: the
// folder belongs to another sweep, and neither training over it nor
// analysing it would be right.
func (s *sweeper) initial(r PlannedRun, dir string) (bool, error) {
	res, ok, err := readResult(dir)
	switch {
	case err != nil:
		s.warn(fmt.Sprintf("%v; the run resumes from its last checkpoint (or starts over) and rewrites it", err))
		return true, nil
	case !ok || res.Status != StatusFinished:
		return true, nil
	}
	same, err := sameConfig(dir, r.Config)
	switch {
	case err != nil:
		return false, fmt.Errorf("%s finished, but its settings cannot be checked (%w); remove it to retrain it", dir, err)
	case !same:
		return false, fmt.Errorf("%w: %s finished with other settings than this sweep's (grid, data, -tokens-per-param, ...)", ErrConfigChanged, dir)
	}
	s.rep.Skipped = append(s.rep.Skipped, r.Name)
	fmt.Fprintf(s.out, "skip %s: finished before (val loss %.4f)\n", r.Name, res.FinalLoss)
	return false, nil
}
