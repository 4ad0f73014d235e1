package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/report"
	"github.com/empirical-scaling/harness/fit/results"
	"github.com/empirical-scaling/harness/internal/cli"
	"github.com/empirical-scaling/harness/internal/provenance"
)

// config is the parsed command line.
type config struct {
	results, csv, form, verdictForm, grid string
	json, verbose                         bool
	dropHighest, boot                     int
	seed                                  uint64
}

func parse(args []string, stdout io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.results, "results", "", "sweep folder to analyse; the report is written into it")
	fs.StringVar(&c.csv, "csv", "", "CSV of external points to fit (columns params, tokens, loss; or the Chinchilla CSV's)")
	fs.StringVar(&c.form, "form", "", "law for -csv: loglinear, saturating or chinchilla")
	fs.BoolVar(&c.json, "json", false, "with -csv: print JSON instead of a table")
	fs.IntVar(&c.dropHighest, "drop-highest", 0, "with -csv: leave out the K highest-loss points first (Besiroglu et al. 2024 used 5)")
	fs.StringVar(&c.grid, "starts", "hoffmann", "with -csv -form chinchilla: grid of L-BFGS starts, hoffmann (4500 starts) or small (675)")
	fs.IntVar(&c.boot, "boot", 1000, "bootstrap resamples per fit")
	fs.Uint64Var(&c.seed, "seed", 1, "bootstrap seed (the same seed gives the same intervals)")
	fs.StringVar(&c.verdictForm, "verdict-form", fit.FormAuto, "with -results: law whose exponent decides the verdict: auto (the one the holdouts and residuals support), loglinear or saturating")
	fs.BoolVar(&c.verbose, "v", false, "log progress to standard error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: analyze -results DIR | analyze -csv FILE -form loglinear|saturating|chinchilla [-json]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return c, flag.ErrHelp
		}
		return c, cli.Usagef("%v (see analyze -h)", err)
	}
	switch {
	case fs.NArg() > 0:
		return c, cli.Usagef("unexpected argument %q (see analyze -h)", fs.Arg(0))
	case (c.results == "") == (c.csv == ""):
		return c, cli.Usagef("give exactly one of -results DIR or -csv FILE (see analyze -h)")
	case c.csv != "" && c.form == "":
		return c, cli.Usagef("-csv needs -form loglinear, saturating or chinchilla")
	case c.results != "" && (c.form != "" || c.json || c.dropHighest != 0):
		return c, cli.Usagef("-form, -json and -drop-highest go with -csv, not -results")
	case c.dropHighest < 0:
		return c, cli.Usagef("-drop-highest %d: want 0 or more points", c.dropHighest)
	case c.boot < 1:
		return c, cli.Usagef("-boot %d: want at least 1 resample", c.boot)
	case c.verdictForm != fit.FormAuto && c.verdictForm != fit.FormLogLinear && c.verdictForm != fit.FormSaturating:
		return c, cli.Usagef("-verdict-form %q: want auto, loglinear or saturating", c.verdictForm)
	case c.grid != "hoffmann" && c.grid != "small":
		return c, cli.Usagef("-starts %q: want hoffmann or small", c.grid)
	}
	return c, nil
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return cli.ExitOK
	}
	if err == nil {
		level := slog.LevelWarn
		if c.verbose {
			level = slog.LevelInfo
		}
		slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
		if c.results != "" {
			err = analyzeSweep(ctx, c, args, stdout)
		} else {
			err = fitCSV(ctx, c, stdout)
		}
	}
	return cli.Fail(stderr, "analyze", err)
}

func analyzeSweep(ctx context.Context, c config, args []string, stdout io.Writer) error {
	opts := fit.Options{VerdictForm: c.verdictForm, Boot: fit.BootOptions{Resamples: c.boot, Seed: c.seed}}
	// Runs of different settings (another D/N, other data) cannot be
	// fitted together; refuse the folder before fitting anything.
	if err := experiment.CheckFolder(c.results); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	a, err := results.Report(ctx, c.results, opts, provenance.CommandLine("analyze", args))
	if err != nil {
		return err
	}
	if err := report.WriteSummary(stdout, a); err != nil {
		return err
	}
	if a.IsoFLOP != nil && a.IsoFLOP.Verdict != nil {
		fmt.Fprintf(stdout, "IsoFLOP verdict: %s\n", a.IsoFLOP.Verdict.Summary)
	}
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(c.results, report.FileReportMD))
	return nil
}
