package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/cmd/internal/devflag"
	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/internal/cli"
	"github.com/empirical-scaling/harness/internal/filelock"
	"github.com/empirical-scaling/harness/internal/provenance"
	"github.com/empirical-scaling/harness/nn"
)

// clusterCommands are the subcommands that split a sweep into a plan and
// one worker per run: plan, run, submit, status, analyze.
var clusterCommands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"plan":    runPlan,
	"run":     runWorker,
	"submit":  runSubmit,
	"status":  runStatus,
	"analyze": runAnalyze,
}

// getenv reads the scheduler's variables; tests replace it.
var getenv = os.Getenv

// newFlags is a flag set whose -h prints usage and the flags.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args; -h prints usage and the defaults and returns flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string, usage string, stdout io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return cli.Usage(fmt.Errorf("%s: %w (see experiment %s -h)", fs.Name(), err, fs.Name()))
	}
	if fs.NArg() > 0 {
		return cli.Usage(fmt.Errorf("%s: unexpected argument %q (see experiment %s -h)", fs.Name(), fs.Arg(0), fs.Name()))
	}
	return nil
}

const planUsage = `usage: experiment plan -grid G -out DIR [flags]

Resolves every run of the grid against its data (prepared into the cache
if needed) and writes DIR/plan.json: each run by index with its shape, N,
D, C and an estimated time on the chosen device, and the settings every
worker reads. A folder holding a different plan is refused. Then train
the runs with experiment submit (Slurm), experiment run -index I (any
scheduler), or experiment -grid G -out DIR (all in this process).

flags:
`

// runPlan is "experiment plan".
func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("plan")
	var (
		grid, acts, dataSrc, tok, textColumn, device, out, cache string
		seeds                                                    int
		tpp                                                      float64
		anchorsOnly, estimate, quiet                             bool
		tuneLR                                                   bool
	)
	fs.StringVar(&grid, "grid", experiment.GridAuto, "grid: "+strings.Join(experiment.GridNames(), ", "))
	fs.StringVar(&acts, "activations", "gelu,swiglu", "comma-separated activations to train")
	fs.IntVar(&seeds, "seeds", 0, "seeds per size (default: the grid's)")
	fs.Float64Var(&tpp, "tokens-per-param", 0, "training tokens per non-embedding parameter, D/N (default: the grid's, 20)")
	fs.StringVar(&dataSrc, "data", "", "data source: synthetic, synthetic:zipf=S, synthetic-v1, tinystories, fineweb-edu, hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION], or a .txt/.parquet file or folder (default: the grid's)")
	fs.StringVar(&textColumn, "text-column", "", "the text column of Parquet data (default text)")
	fs.StringVar(&tok, "tokenizer", "", "gpt2: GPT-2's tokenizer (50,257 tokens, fetched from the Hub once) instead of a BPE trained for the data")
	dev := devflag.Register(fs, "the workers' device: cpu, cuda or auto (cuda when this machine has a GPU)", os.Getenv)
	fs.StringVar(&out, "out", "", "sweep folder (default runs/<grid>)")
	fs.StringVar(&cache, "cache", "", "data cache folder (default: the user cache folder)")
	fs.BoolVar(&anchorsOnly, "anchors-only", false, "leave out the holdout runs")
	fs.BoolVar(&estimate, "estimate", true, "time a few steps of each shape to estimate the runs (when this machine has the device)")
	fs.BoolVar(&quiet, "quiet", false, "no progress bars")
	fs.BoolVar(&tuneLR, "tune-lr", false, "use the learning rates tuned into DIR/lr-tuning.json by experiment -tune-only (default: on for anchors, full and the isoflop grids)")
	if err := parseFlags(fs, args, planUsage, stdout); err != nil {
		return err
	}
	device = dev.Device
	if tok != "" && tok != data.TokenizerGPT2 {
		return cli.Usage(fmt.Errorf("plan: -tokenizer %q: want %s (or no flag, to train a BPE for the data)", tok, data.TokenizerGPT2))
	}
	if grid != experiment.GridAuto {
		if _, err := experiment.GridByName(grid); err != nil {
			return cli.Usage(err)
		}
	}
	if device != "auto" && device != "cpu" && device != "cuda" {
		return cli.Usage(fmt.Errorf("plan: -device %q: want cpu, cuda or auto", device))
	}
	if seeds < 0 || tpp < 0 {
		return cli.Usage(errors.New("plan: -seeds and -tokens-per-param want positive values"))
	}
	activations, err := parseActivations(acts)
	if err != nil {
		return err
	}
	gpu := probeCUDA()
	choice, err := chooseGrid(grid, device, gpu)
	if err != nil && device == "cuda" {
		// Planning for GPU workers on a login node without one is normal.
		choice, err = chooseGrid(grid, device, gpuProbe{count: 1})
	}
	if err != nil {
		return cli.Usage(err)
	}
	g, _ := experiment.GridByName(choice.grid)
	if out == "" {
		out = filepath.Join("runs", g.Name)
	}
	tuneSet := false
	fs.Visit(func(fl *flag.Flag) { tuneSet = tuneSet || fl.Name == "tune-lr" })
	if !tuneSet {
		tuneLR = g.TuneLR
	}
	var scales map[nn.Activation]float64
	if tuneLR {
		tun, err := experiment.ReadLRTuning(out)
		if err != nil {
			return cli.Usage(fmt.Errorf("plan: grid %s tunes each activation's learning rate first (%v): run experiment -grid %s -out %s -tune-only, which trains the tuning runs in one process, then plan again; or pass -tune-lr=false", g.Name, err, g.Name, out))
		}
		scales = tun.Scales()
	}
	pc := experiment.PlanConfig{Grid: g, Select: experiment.GridOptions{Activations: activations, Seeds: seeds, TokensPerParam: tpp, AnchorsOnly: anchorsOnly, LRScale: scales},
		Data: dataSrc, Tokenizer: tok, TextColumn: textColumn, CacheDir: cache, Device: choice.device, Command: provenance.CommandLine("experiment", append([]string{"plan"}, args...)), Version: provenance.ModuleVersion()}
	if !quiet {
		pc.Progress = stderr
	}
	p, err := experiment.MakePlan(ctx, pc)
	if err != nil {
		return err
	}
	if err := experiment.CheckPlan(out, p); err != nil {
		return err
	}
	estimated := ""
	if estimate && (choice.device == "cpu" || gpu.count > 0) {
		devs, closeDevs, err := dev.OpenAll(choice.device)
		if err != nil {
			return err
		}
		err = p.Estimate(ctx, devs[0])
		closeDevs()
		if err != nil {
			return err
		}
		estimated = " on " + devs[0].Name()
	}
	if p, err = experiment.WritePlan(ctx, out, p); err != nil {
		return err
	}
	printPlan(stdout, p, estimated)
	fmt.Fprintf(stdout, "plan: %s (%d runs, indices 0-%d, for %s workers)\nnext: experiment submit -out %s   (or experiment run -out %s -index I)\n",
		filepath.Join(out, experiment.PlanFile), len(p.Runs), len(p.Runs)-1, p.Device, out, out)
	return nil
}

// printPlan writes the plan's table.
func printPlan(w io.Writer, p *experiment.Plan, estimatedOn string) {
	fmt.Fprintf(w, "%5s  %-16s %-7s %-7s %12s %14s %10s %6s %10s\n", "index", "run", "act", "role", "N", "D", "C", "steps", "est."+estimatedOn)
	var total float64
	for _, r := range p.Runs {
		est := "-"
		if r.EstimatedSeconds > 0 {
			est = experiment.FormatDuration(time.Duration(r.EstimatedSeconds * float64(time.Second)))
			total += r.EstimatedSeconds
		}
		fmt.Fprintf(w, "%5d  %-16s %-7s %-7s %12d %14d %10.3g %6d %10s\n", r.Index, r.Name, r.Activation, r.Role, r.Params, r.Tokens, r.Compute, r.Steps, est)
	}
	if total > 0 {
		fmt.Fprintf(w, "total estimated run time %s (divided among the workers)\n", experiment.FormatDuration(time.Duration(total*float64(time.Second))))
	}
}

const runUsage = `usage: experiment run -out DIR [-index I | -run NAME] [flags]

Trains one run of DIR/plan.json, resuming from its checkpoint, while
holding the run's lock (DIR/<run>/run.lock): a second process on the same
run says which process holds it and exits 1. Without -index and -run the
index is $SLURM_ARRAY_TASK_ID (a Slurm job array), else
$JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). SIGTERM checkpoints
and exits 130; rerunning resumes. A finished run exits 0 at once.

flags:
`

// runWorker is "experiment run".
func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run")
	var (
		out, name, device, cache, logLevel string
		index, ckptSteps                   int
		ckptEvery, lockWait                time.Duration
		quiet                              bool
	)
	fs.StringVar(&out, "out", "", "sweep folder holding plan.json (required)")
	fs.IntVar(&index, "index", -1, "the run's index in the plan (default $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX)")
	fs.StringVar(&name, "run", "", "the run's name, instead of -index")
	dev := devflag.Register(fs, "cpu, cuda (the first GPU; the scheduler picks it) or auto", os.Getenv)
	fs.StringVar(&cache, "cache", "", "data cache folder (default: the user cache folder)")
	fs.DurationVar(&ckptEvery, "checkpoint-every", 5*time.Minute, "wall time between checkpoints")
	fs.IntVar(&ckptSteps, "checkpoint-steps", 0, "also checkpoint every this many steps (0: off)")
	fs.DurationVar(&lockWait, "lock-wait", 0, "wait this long for a run locked by another process (a requeued task waits for its dead predecessor's lock to go stale)")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	fs.StringVar(&logLevel, "log", "warn", "log level: debug, info, warn or error")
	if err := parseFlags(fs, args, runUsage, stdout); err != nil {
		return err
	}
	device = dev.Device
	var level slog.Level
	switch {
	case out == "":
		return cli.Usage(errors.New("run: -out DIR is required (the folder holding plan.json)"))
	case device != "auto" && device != "cpu" && device != "cuda":
		return cli.Usage(fmt.Errorf("run: -device %q: want cpu, cuda or auto", device))
	case ckptEvery <= 0 || ckptSteps < 0 || lockWait < 0:
		return cli.Usage(errors.New("run: -checkpoint-every wants a positive duration, -checkpoint-steps and -lock-wait 0 or more"))
	case level.UnmarshalText([]byte(logLevel)) != nil:
		return cli.Usage(fmt.Errorf("run: -log %q: want debug, info, warn or error", logLevel))
	}
	p, err := experiment.ReadPlan(out)
	if err != nil {
		return fmt.Errorf("run: %w (write it first with experiment plan)", err)
	}
	if index, err = pickIndex(p, index, name); err != nil {
		return cli.Usage(err)
	}
	if device == "auto" {
		device = p.Device
	}
	choice, err := chooseGrid(p.Grid.Name, device, probeCUDA())
	if err != nil {
		return cli.Usage(fmt.Errorf("run: %w", err))
	}
	devs, closeDevs, err := dev.OpenAll(choice.device)
	if err != nil {
		return err
	}
	defer closeDevs()
	w := experiment.WorkerConfig{Dir: out, Index: index, Device: devs[0], CacheDir: cache,
		CheckpointEvery: ckptEvery, CheckpointSteps: ckptSteps, LockWait: lockWait,
		Lock: filelock.Options{Note: schedulerNote()}, Log: stdout,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	if !quiet {
		w.Progress = stderr
	}
	rep, err := experiment.RunPlanned(ctx, w)
	var held *filelock.HeldError
	switch {
	case errors.As(err, &held):
		return fmt.Errorf("run %d (%s) is held by %s since %s; not training it twice", index, rep.Run.Name, held.Owner, held.Owner.Started.Local().Format(time.DateTime))
	case err != nil && ctx.Err() != nil:
		return cli.Interrupted(fmt.Errorf("interrupted: run %d is checkpointed in %s; rerun to resume", index, out))
	case err != nil:
		return err
	}
	for _, wmsg := range rep.Warnings {
		fmt.Fprintln(stdout, "warning: "+wmsg)
	}
	return nil
}

// pickIndex resolves -index, -run or the scheduler's variables.
func pickIndex(p *experiment.Plan, index int, name string) (int, error) {
	switch {
	case name != "" && index >= 0:
		return 0, errors.New("run: give -index or -run, not both")
	case name != "":
		r, ok := p.Lookup(name)
		if !ok {
			return 0, fmt.Errorf("run: -run %q: not in the plan (experiment status lists the runs)", name)
		}
		return r.Index, nil
	case index >= 0:
	default:
		for _, v := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"} {
			if s := getenv(v); s != "" {
				i, err := strconv.Atoi(s)
				if err != nil {
					return 0, fmt.Errorf("run: $%s=%q is not an index", v, s)
				}
				index = i
				break
			}
		}
		if index < 0 {
			return 0, errors.New("run: no -index, -run, $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX: which run?")
		}
	}
	if index >= len(p.Runs) {
		return 0, fmt.Errorf("run: index %d: the plan has runs 0 to %d", index, len(p.Runs)-1)
	}
	return index, nil
}

// schedulerNote names the Slurm job and task holding a run, for its lock.
func schedulerNote() string {
	if job := getenv("SLURM_ARRAY_JOB_ID"); job != "" {
		return fmt.Sprintf("slurm job %s_%s", job, getenv("SLURM_ARRAY_TASK_ID"))
	}
	if job := getenv("SLURM_JOB_ID"); job != "" {
		return "slurm job " + job
	}
	return ""
}

const analyzeUsage = `usage: experiment analyze -out DIR [-boot N]

Rebuilds DIR/results.json from the runs' result.json files, checks that
the runs belong to DIR/plan.json, then fits the scaling laws and writes
the report into DIR (the job experiment submit queues after the array).

flags:
`

// runAnalyze is "experiment analyze".
func runAnalyze(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("analyze")
	var (
		out  string
		boot int
	)
	fs.StringVar(&out, "out", "", "sweep folder (required)")
	fs.IntVar(&boot, "boot", 1000, "bootstrap resamples per fit")
	if err := parseFlags(fs, args, analyzeUsage, stdout); err != nil {
		return err
	}
	if out == "" || boot < 1 {
		return cli.Usage(errors.New("analyze: want -out DIR and -boot of at least 1"))
	}
	p, err := experiment.ReadPlan(out)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	rs, warnings, err := experiment.RebuildResults(ctx, out, p)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	for _, w := range warnings {
		fmt.Fprintln(stdout, "warning: "+w)
	}
	left := 0
	for _, r := range rs.Runs {
		if r.Status != experiment.StatusFinished {
			left++
		}
	}
	if left > 0 {
		fmt.Fprintf(stdout, "analysis: %d of %d runs are not finished and are left out (experiment status -out %s)\n", left, len(rs.Runs), out)
	}
	return analyze(ctx, out, boot, provenance.CommandLine("experiment", append([]string{"analyze"}, args...)), stdout)
}
