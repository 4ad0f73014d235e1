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
	"runtime"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/cmd/internal/devflag"
	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/report"
	"github.com/empirical-scaling/harness/fit/results"
	"github.com/empirical-scaling/harness/internal/cli"
	"github.com/empirical-scaling/harness/internal/provenance"
	"github.com/empirical-scaling/harness/internal/runprogress"
	"github.com/empirical-scaling/harness/nn"
)

const sweepUsage = `usage: experiment [-grid smoke|tiny|tiny-v1|anchors|full|isoflop-smoke|isoflop-tiny|isoflop|auto] [flags]

Trains every run of a grid (each size with each activation and seed, at
D = 20·N tokens unless -tokens-per-param says otherwise) into DIR/<run>/,
keeps DIR/results.json up to date, then fits the scaling laws and writes
the plots and report into DIR. Rerunning the same command skips finished
runs and resumes an interrupted one from its checkpoint; Ctrl-C
checkpoints and exits. -grid auto picks anchors (TinyStories) when a CUDA
GPU is present, tiny (the built-in knowledge chronicle) otherwise. The isoflop
grids train several sizes at each of several compute budgets (D = C/6N)
and find each activation's compute-optimal frontier. -tune-lr (on by
default for anchors, full and the isoflop grids) first trains each
activation's smallest size at a ladder of learning rates and scales the
best to every size.

grids:
%s
flags:
`

// sweepFlags are the parsed flags of the sweep mode.
type sweepFlags struct {
	grid, acts, data, tokenizer, textColumn, out, cache, logLevel string
	dev                                                           *devflag.Flags
	seeds, ckptSteps, boot                                        int
	tpp                                                           float64
	dryRun, anchorsOnly, quiet                                    bool
	tuneLR, tuneLRSet, tuneOnly                                   bool
	ckptEvery                                                     time.Duration
}

func parseSweep(args []string, stdout io.Writer) (sweepFlags, error) {
	var f sweepFlags
	fs := flag.NewFlagSet("experiment", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.grid, "grid", experiment.GridAuto, "grid: "+strings.Join(experiment.GridNames(), ", "))
	fs.StringVar(&f.acts, "activations", "gelu,swiglu", "comma-separated activations to train")
	fs.IntVar(&f.seeds, "seeds", 0, "seeds per size (default: the grid's)")
	fs.Float64Var(&f.tpp, "tokens-per-param", 0, "training tokens per non-embedding parameter, D/N (default: the grid's, 20)")
	fs.StringVar(&f.data, "data", "", "data source: synthetic (the knowledge chronicle; synthetic:zipf=S,entities=K for other knobs), synthetic-v1 (the first generator's stories), tinystories, fineweb-edu, hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION], or a .txt/.parquet file or folder (default: the grid's)")
	fs.StringVar(&f.textColumn, "text-column", "", "the text column of Parquet data (default text)")
	f.dev = devflag.Register(fs, "cpu, cuda (every GPU, one run each) or auto", os.Getenv)
	fs.StringVar(&f.tokenizer, "tokenizer", "", "gpt2: GPT-2's tokenizer (50,257 tokens, fetched from the Hub once) instead of a BPE trained for the data")
	fs.StringVar(&f.out, "out", "", "sweep folder (default runs/<grid>)")
	fs.StringVar(&f.cache, "cache", "", "data cache folder (default: the user cache folder)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the runs and an estimated time from a few timed steps, then exit")
	fs.BoolVar(&f.anchorsOnly, "anchors-only", false, "leave out the holdout runs")
	fs.DurationVar(&f.ckptEvery, "checkpoint-every", 5*time.Minute, "wall time between checkpoints of a run")
	fs.IntVar(&f.ckptSteps, "checkpoint-steps", 0, "also checkpoint every this many steps (0: off)")
	fs.IntVar(&f.boot, "boot", 1000, "bootstrap resamples per fit in the analysis")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bars")
	fs.BoolVar(&f.tuneOnly, "tune-only", false, "train the learning-rate tuning runs, write DIR/lr-tuning.json and stop (before experiment plan for a cluster)")
	fs.BoolVar(&f.tuneLR, "tune-lr", false, "tune each activation's peak learning rate on its smallest size before the grid (default: on for anchors, full and the isoflop grids)")
	fs.StringVar(&f.logLevel, "log", "warn", "log level of the runs' logs: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, sweepUsage, gridHelp())
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return f, err
		}
		return f, cli.Usage(fmt.Errorf("%w (see experiment -h)", err))
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	f.tuneLRSet = set["tune-lr"]
	switch {
	case fs.NArg() > 0:
		return f, cli.Usage(fmt.Errorf("unexpected argument %q (see experiment -h)", fs.Arg(0)))
	case f.seeds < 0 || set["seeds"] && f.seeds == 0:
		return f, cli.Usage(fmt.Errorf("-seeds %d: want at least 1 (leave the flag out for the grid's)", f.seeds))
	case set["tokens-per-param"] && f.tpp == 0:
		return f, cli.Usage(fmt.Errorf("-tokens-per-param 0: want a positive number (leave the flag out for the grid's)"))
	case f.tpp < 0:
		return f, cli.Usage(fmt.Errorf("-tokens-per-param %v: want a positive number", f.tpp))
	case f.boot < 1:
		return f, cli.Usage(fmt.Errorf("-boot %d: want at least 1 resample", f.boot))
	case f.ckptSteps < 0:
		return f, cli.Usage(fmt.Errorf("-checkpoint-steps %d: want 0 or more", f.ckptSteps))
	case f.ckptEvery <= 0:
		return f, cli.Usage(fmt.Errorf("-checkpoint-every %v: want a positive duration", f.ckptEvery))
	case f.tokenizer != "" && f.tokenizer != data.TokenizerGPT2:
		return f, cli.Usage(fmt.Errorf("-tokenizer %q: want %s (or no flag, to train a BPE for the data)", f.tokenizer, data.TokenizerGPT2))
	}
	if f.grid != experiment.GridAuto {
		g, err := experiment.GridByName(f.grid)
		if err != nil {
			return f, cli.Usage(err)
		}
		if g.IsoFLOP() && f.tpp != 0 {
			return f, cli.Usage(fmt.Errorf("-tokens-per-param %v: grid %s sets each run's tokens from its budget (D = C/6N)", f.tpp, g.Name))
		}
	}
	if d := f.dev.Device; d != "auto" && d != "cpu" && d != "cuda" {
		return f, cli.Usage(fmt.Errorf("-device %q: want cpu, cuda or auto", d))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return f, cli.Usage(fmt.Errorf("-log %q: want debug, info, warn or error", f.logLevel))
	}
	return f, nil
}

// parseActivations reads "gelu,swiglu".
func parseActivations(s string) ([]nn.Activation, error) {
	var out []nn.Activation
	seen := map[nn.Activation]bool{}
	for _, part := range strings.Split(s, ",") {
		a, err := nn.ParseActivation(strings.TrimSpace(part))
		if err != nil {
			return nil, cli.Usage(fmt.Errorf("-activations %q: %w", s, err))
		}
		if !seen[a] {
			out = append(out, a)
			seen[a] = true
		}
	}
	return out, nil
}

// gridHelp is the grid table of the usage text.
func gridHelp() string {
	var b strings.Builder
	for _, g := range experiment.Grids() {
		if g.IsoFLOP() {
			var cs []string
			for _, b := range g.Budgets {
				cs = append(cs, experiment.BudgetLabel(b.C))
			}
			fmt.Fprintf(&b, "  %-13s budgets %s FLOP, %d sizes each; %s, ctx %d; %s\n", g.Name, strings.Join(cs, ", "), len(g.Budgets[0].Sizes), g.Data, g.SeqLen, g.Description)
			continue
		}
		var sizes []string
		for _, n := range g.Anchors {
			sizes = append(sizes, experiment.SizeLabel(n.N))
		}
		var holds []string
		for _, n := range g.Holdouts {
			holds = append(holds, experiment.SizeLabel(n.N))
		}
		h := "holdout " + strings.Join(holds, ", ")
		if g.HoldoutsOff {
			h = "no holdout (see full)"
		}
		fmt.Fprintf(&b, "  %-13s anchors %s; %s; %s, ctx %d; %s\n", g.Name, strings.Join(sizes, ", "), h, g.Data, g.SeqLen, g.Description)
	}
	return b.String()
}

// runSweep is the default mode: the sweep, then the analysis.
func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseSweep(args, stdout)
	if err != nil {
		return err
	}
	acts, err := parseActivations(f.acts)
	if err != nil {
		return err
	}
	choice, err := chooseGrid(f.grid, f.dev.Device, probeCUDA())
	if err != nil {
		return cli.Usage(err)
	}
	g, _ := experiment.GridByName(choice.grid)
	fmt.Fprintf(stdout, "grid %s on %s: %s\n", g.Name, choice.device, choice.why)
	devs, closeDevs, err := f.dev.OpenAll(choice.device)
	if err != nil {
		return err
	}
	defer closeDevs()
	out := f.out
	if out == "" {
		out = filepath.Join("runs", g.Name)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(f.logLevel))
	cfg := experiment.SweepConfig{
		Grid:   g,
		Select: experiment.GridOptions{Activations: acts, Seeds: f.seeds, TokensPerParam: f.tpp, AnchorsOnly: f.anchorsOnly},
		Data:   f.data, Tokenizer: f.tokenizer, TextColumn: f.textColumn, CacheDir: f.cache, Out: out, Devices: devs,
		Command: provenance.CommandLine("experiment", args), Version: provenance.ModuleVersion(),
		CheckpointEvery: f.ckptEvery, CheckpointSteps: f.ckptSteps,
		TuneLR: g.TuneLR,
		Log:    stdout,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
	if f.tuneLRSet {
		cfg.TuneLR = f.tuneLR
	}
	if f.tuneOnly {
		cfg.TuneLR, cfg.TuneOnly = true, true
	}
	if !f.quiet {
		cfg.Progress = stderr
		// Bars for one run at a time on a terminal; plain lines in a log
		// file, or when several GPUs train runs side by side.
		rep := runprogress.New(stderr, runprogress.IsTerminal(stderr) && len(devs) == 1, 0)
		cfg.OnStep = rep.Step
		defer rep.Close()
	}
	if f.dryRun {
		return dryRun(ctx, cfg, stdout)
	}
	start := time.Now()
	rep, err := experiment.Sweep(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return cli.Interrupted(fmt.Errorf("interrupted: checkpoints are saved in %s; rerun the same command to resume", out))
		}
		return err
	}
	if f.tuneOnly {
		fmt.Fprintf(stdout, "learning-rate tuning done in %s: %s; plan the grid with experiment plan -grid %s -out %s\n",
			experiment.FormatDuration(time.Since(start)), filepath.Join(out, experiment.LRTuningFile), g.Name, out)
		return nil
	}
	fmt.Fprintf(stdout, "sweep done in %s: %d trained (%d resumed), %d finished before, %d failed\n",
		experiment.FormatDuration(time.Since(start)), len(rep.Trained), len(rep.Resumed), len(rep.Skipped), len(rep.Failed))
	aerr := analyze(ctx, out, f.boot, cfg.Command, stdout)
	if ctx.Err() != nil {
		return cli.Interrupted(fmt.Errorf("interrupted during the analysis; the runs are finished in %s: rerun the command (or analyze -results %s)", out, out))
	}
	fmt.Fprintf(stdout, "total %s\n", experiment.FormatDuration(time.Since(start)))
	switch {
	case len(rep.Failed) > 0:
		return fmt.Errorf("%d of %d runs failed or diverged (%s); the analysis used the others; see %s",
			len(rep.Failed), len(rep.Results.Runs), strings.Join(rep.Failed, "; "), filepath.Join(out, experiment.ResultsFile))
	case aerr != nil:
		return aerr
	}
	return nil
}

// analyze fits the sweep in dir and writes the report there.
func analyze(ctx context.Context, dir string, boot int, command string, stdout io.Writer) error {
	start := time.Now()
	fmt.Fprintf(stdout, "analysis: fitting %s\n", dir)
	if err := experiment.CheckFolder(dir); err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	a, err := results.Report(ctx, dir, fit.Options{Boot: fit.BootOptions{Resamples: boot}}, command)
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	if err := report.WriteSummary(stdout, a); err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	fmt.Fprintf(stdout, "report: %s and %s, plot %s (analysis %s)\n", filepath.Join(dir, report.FileReportMD),
		filepath.Join(dir, report.FileReportHTM), filepath.Join(dir, report.FileScalingPN), experiment.FormatDuration(time.Since(start)))
	return nil
}

func dryRun(ctx context.Context, cfg experiment.SweepConfig, stdout io.Writer) error {
	fmt.Fprintf(stdout, "dry run: timing a few training steps of each shape on %s (%d cores)\n", cfg.Devices[0].Name(), runtime.GOMAXPROCS(0))
	rows, err := experiment.DryRun(ctx, cfg)
	if err != nil {
		return err
	}
	return experiment.WriteDryRun(stdout, rows, len(cfg.Devices))
}
