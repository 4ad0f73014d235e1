package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/experiment/slurm"
	"github.com/empirical-scaling/harness/internal/cli"
)

// sbatchRunner runs sbatch, squeue and sacct; tests replace it.
var sbatchRunner slurm.Runner = slurm.Exec

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

const submitUsage = `usage: experiment submit -out DIR [flags]

Writes DIR/slurm/sweep.sbatch, a Slurm job array with one task per run of
DIR/plan.json that is not finished (each task runs experiment run for its
index, gets SIGTERM two minutes before its time limit and checkpoints, is
requeued on node failure or preemption, and logs to
DIR/slurm/logs/run-I.log), and DIR/slurm/analyze.sbatch (the analysis,
after the array whatever its outcome). Submits both with sbatch and
prints the job ids. Run it again after failures or cancellations: it
submits only the runs that are still unfinished. DIR and the binary must
be on a filesystem every node sees.

flags:
`

// runSubmit is "experiment submit".
func runSubmit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("submit")
	var (
		out, partition, timeLimit, cache, bin string
		gpus, cpus, maxPar, ckptSteps, boot   int
		ckptEvery, lockWait                   time.Duration
		extra                                 listFlag
		dryRun                                bool
	)
	fs.StringVar(&out, "out", "", "sweep folder holding plan.json (required)")
	fs.StringVar(&partition, "partition", "", "Slurm partition (default: the cluster's)")
	fs.IntVar(&gpus, "gpus-per-run", -1, "GPUs per task (default 1 for a cuda plan, 0 for cpu)")
	fs.IntVar(&cpus, "cpus-per-run", 0, "CPUs per task (default: Slurm's)")
	fs.StringVar(&timeLimit, "time", "", "time limit per task, HH:MM:SS (default: the partition's)")
	fs.IntVar(&maxPar, "max-parallel", 0, "at most this many tasks at once (0: no limit)")
	fs.Var(&extra, "sbatch-arg", "one more #SBATCH option, e.g. --account=lab (repeatable)")
	fs.BoolVar(&dryRun, "dry-run", false, "write the scripts and print the sbatch commands without submitting")
	fs.StringVar(&cache, "cache", "", "data cache folder of the tasks (default: each node's user cache folder)")
	fs.StringVar(&bin, "bin", "", "the experiment binary the tasks run (default: this one)")
	fs.DurationVar(&ckptEvery, "checkpoint-every", 5*time.Minute, "wall time between a task's checkpoints")
	fs.IntVar(&ckptSteps, "checkpoint-steps", 0, "also checkpoint every this many steps (0: off)")
	fs.DurationVar(&lockWait, "lock-wait", 5*time.Minute, "how long a task waits for a run still locked by a process that is gone")
	fs.IntVar(&boot, "boot", 1000, "bootstrap resamples per fit in the analysis job")
	if err := parseFlags(fs, args, submitUsage, stdout); err != nil {
		return err
	}
	switch {
	case out == "":
		return cli.Usage(errors.New("submit: -out DIR is required (write the plan first: experiment plan -grid G -out DIR)"))
	case cpus < 0 || maxPar < 0 || ckptSteps < 0 || boot < 1 || ckptEvery <= 0 || lockWait < 0:
		return cli.Usage(errors.New("submit: -cpus-per-run, -max-parallel, -checkpoint-steps and -lock-wait want 0 or more, -boot and -checkpoint-every positive values"))
	case timeLimit != "" && !validTime(timeLimit):
		return cli.Usage(fmt.Errorf("submit: -time %q: want HH:MM:SS, MM:SS, D-HH:MM:SS or minutes", timeLimit))
	}
	dir, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	p, states, err := experiment.SweepStatus(dir)
	if err != nil {
		return fmt.Errorf("submit: %w (write it first with experiment plan)", err)
	}
	if gpus < 0 {
		gpus = 0
		if p.Device == experiment.KindCUDA {
			gpus = 1
		}
	}
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return fmt.Errorf("submit: the binary's path: %w (pass -bin)", err)
		}
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if cache != "" {
		if cache, err = filepath.Abs(cache); err != nil {
			return err
		}
	}
	var todo []int
	for _, s := range states {
		switch s.Status {
		case experiment.StatusFinished:
		case experiment.StatusRunning:
			fmt.Fprintf(stdout, "left out %d %s: running on %s\n", s.Run.Index, s.Run.Name, s.Holder)
		case experiment.StatusDiverged:
			fmt.Fprintf(stdout, "left out %d %s: diverged (%s); it would diverge again\n", s.Run.Index, s.Run.Name, s.Reason)
		default:
			todo = append(todo, s.Run.Index)
		}
	}
	if len(todo) == 0 {
		fmt.Fprintf(stdout, "nothing to submit: no run of %s is waiting (experiment status -out %s)\n", filepath.Join(dir, experiment.PlanFile), out)
		return nil
	}
	o := slurm.Options{Binary: bin, Dir: dir, Grid: p.Grid.Name, Device: p.Device, CacheDir: cache, Partition: partition,
		GPUsPerRun: gpus, CPUsPerRun: cpus, Time: timeLimit, MaxParallel: maxPar, ExtraArgs: extra, LockWait: lockWait,
		RunArgs:     []string{"-checkpoint-every", ckptEvery.String(), "-checkpoint-steps", fmt.Sprint(ckptSteps)},
		AnalyzeArgs: []string{"-boot", fmt.Sprint(boot)}}
	if dryRun {
		sweep, analyzeScript, cmds, err := slurm.Plan(o, todo)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dry run: %d of %d runs to submit (array %s); wrote %s and %s; would run:\n",
			len(todo), len(p.Runs), slurm.ArraySpec(todo, maxPar), sweep, analyzeScript)
		for _, c := range cmds {
			fmt.Fprintln(stdout, "  "+strings.Join(c, " "))
		}
		return nil
	}
	s, err := slurm.Submit(ctx, sbatchRunner, o, todo)
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	fmt.Fprintf(stdout, "submitted array job %s (%d of %d runs: %s) and analysis job %s\nlogs: %s\nnext: experiment status -out %s\n",
		s.ArrayJob, len(todo), len(p.Runs), slurm.ArraySpec(todo, maxPar), s.AnalysisJob, filepath.Join(dir, slurm.Subdir, "logs"), out)
	return nil
}

// validTime accepts Slurm's time formats: minutes, MM:SS, HH:MM:SS,
// D-HH, D-HH:MM, D-HH:MM:SS.
func validTime(s string) bool {
	days, rest, hasDays := strings.Cut(s, "-")
	if !hasDays {
		rest = days
	} else if !digits(days) {
		return false
	}
	parts := strings.Split(rest, ":")
	if len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if !digits(p) {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
