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
	"strings"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/report"
	"github.com/empirical-scaling/harness/fit/results"
	"github.com/empirical-scaling/harness/internal/cli"
	"github.com/empirical-scaling/harness/internal/provenance"
)

// config is the parsed command line.
type config struct {
	// results are the sweep folders: one is analysed, two or more are
	// compared side by side (labels name them; out gets the comparison).
	results                      []string
	labels, out                  string
	csv, form, verdictForm, grid string
	json, verbose                bool
	dropHighest, boot            int
	seed                         uint64
}

func parse(args []string, stdout io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var((*folders)(&c.results), "results", "sweep folder to analyse (the report is written into it); repeat it to compare sweeps side by side")
	fs.StringVar(&c.labels, "label", "", "with several -results: comma-separated names of the sweeps, in order (default: the folders' names)")
	fs.StringVar(&c.out, "out", "", "with several -results: folder for compare.md, compare.html, compare.png/.svg and compare.json (default: the first -results folder)")
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
			fmt.Fprintln(stdout, "usage: analyze -results DIR | analyze -results A -results B [-label a,b] [-out DIR] | analyze -csv FILE -form loglinear|saturating|chinchilla [-json]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return c, flag.ErrHelp
		}
		return c, cli.Usagef("%v (see analyze -h)", err)
	}
	switch {
	case fs.NArg() > 0:
		return c, cli.Usagef("unexpected argument %q (see analyze -h)", fs.Arg(0))
	case (len(c.results) == 0) == (c.csv == ""):
		return c, cli.Usagef("give exactly one of -results DIR or -csv FILE (see analyze -h)")
	case c.csv != "" && c.form == "":
		return c, cli.Usagef("-csv needs -form loglinear, saturating or chinchilla")
	case len(c.results) > 0 && (c.form != "" || c.json || c.dropHighest != 0):
		return c, cli.Usagef("-form, -json and -drop-highest go with -csv, not -results")
	case len(c.results) < 2 && (c.labels != "" || c.out != ""):
		return c, cli.Usagef("-label and -out go with two or more -results folders, compared side by side")
	case c.dropHighest < 0:
		return c, cli.Usagef("-drop-highest %d: want 0 or more points", c.dropHighest)
	case c.boot < 1:
		return c, cli.Usagef("-boot %d: want at least 1 resample", c.boot)
	case c.verdictForm != fit.FormAuto && c.verdictForm != fit.FormLogLinear && c.verdictForm != fit.FormSaturating:
		return c, cli.Usagef("-verdict-form %q: want auto, loglinear or saturating", c.verdictForm)
	case c.grid != "hoffmann" && c.grid != "small":
		return c, cli.Usagef("-starts %q: want hoffmann or small", c.grid)
	}
	if len(c.results) > 1 {
		labels, err := sweepLabels(c.results, c.labels)
		if err != nil {
			return c, err
		}
		c.labels = strings.Join(labels, ",")
		if c.out == "" {
			c.out = c.results[0]
		}
	}
	return c, nil
}

// folders collects repeated -results flags.
type folders []string

func (f *folders) String() string { return strings.Join(*f, ",") }

func (f *folders) Set(v string) error {
	if v == "" {
		return errors.New("empty folder")
	}
	*f = append(*f, v)
	return nil
}

// sweepLabels names the compared sweeps: the -label list, or each
// folder's base name (its path when two base names clash).
func sweepLabels(dirs []string, given string) ([]string, error) {
	var labels []string
	if given != "" {
		labels = strings.Split(given, ",")
		if len(labels) != len(dirs) {
			return nil, cli.Usagef("-label %q names %d sweeps, but %d -results folders are given", given, len(labels), len(dirs))
		}
	} else {
		base := map[string]int{}
		for _, d := range dirs {
			base[filepath.Base(filepath.Clean(d))]++
		}
		for _, d := range dirs {
			l := filepath.Base(filepath.Clean(d))
			if base[l] > 1 {
				l = filepath.Clean(d)
			}
			labels = append(labels, l)
		}
	}
	seen := map[string]bool{}
	for i, l := range labels {
		labels[i] = strings.TrimSpace(l)
		switch {
		case labels[i] == "":
			return nil, cli.Usagef("-label %q: label %d is empty", given, i+1)
		case seen[labels[i]]:
			return nil, cli.Usagef("sweep label %q is used twice; name the sweeps with -label a,b", labels[i])
		}
		seen[labels[i]] = true
	}
	return labels, nil
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
		if len(c.results) > 1 {
			err = compareSweeps(ctx, c, args, stdout)
		} else if len(c.results) == 1 {
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
	if err := experiment.CheckFolder(c.results[0]); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	a, err := results.Report(ctx, c.results[0], opts, provenance.CommandLine("analyze", args))
	if err != nil {
		return err
	}
	if err := report.WriteSummary(stdout, a); err != nil {
		return err
	}
	if a.IsoFLOP != nil && a.IsoFLOP.Verdict != nil {
		fmt.Fprintf(stdout, "IsoFLOP verdict: %s\n", a.IsoFLOP.Verdict.Summary)
	}
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(c.results[0], report.FileReportMD))
	return nil
}

// compareSweeps fits two or more sweep folders side by side and writes the
// comparison report into c.out.
func compareSweeps(ctx context.Context, c config, args []string, stdout io.Writer) error {
	opts := fit.Options{VerdictForm: c.verdictForm, Boot: fit.BootOptions{Resamples: c.boot, Seed: c.seed}}
	for _, dir := range c.results {
		if err := experiment.CheckFolder(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	cmp, err := results.CompareReport(ctx, c.results, strings.Split(c.labels, ","), c.out, opts, provenance.CommandLine("analyze", args))
	if err != nil {
		return err
	}
	if err := report.WriteComparisonSummary(stdout, cmp); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(c.out, report.FileCompareMD))
	return nil
}
