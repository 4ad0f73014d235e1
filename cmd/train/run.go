package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/nn"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1 // the run failed or diverged
	exitUsage       = 2 // bad flags
	exitInterrupted = 130
)

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		oneLine(stderr, err)
		return exitUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		oneLine(stderr, fmt.Errorf("-log %q: want debug, info, warn or error", o.logLevel))
		return exitUsage
	}
	dev, err := o.dev.Open()
	if err != nil {
		oneLine(stderr, err)
		return exitUsage
	}
	c := o.cfg
	c.Device = dev
	prec, err := nn.Resolve(c.Precision, dev)
	if err != nil {
		oneLine(stderr, fmt.Errorf("-precision: %w", err))
		return exitUsage
	}
	c.Precision = string(prec)
	c.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	c.Announce = stdout
	if !o.quiet {
		c.Progress = stderr
	}
	res, err := experiment.Run(ctx, c)
	switch {
	case err == nil:
		printSummary(stdout, c.Out, res)
		return exitOK
	case errors.Is(err, context.Canceled):
		oneLine(stderr, fmt.Errorf("interrupted; progress is kept in %s: rerun the same command to resume", c.Out))
		return exitInterrupted
	default:
		oneLine(stderr, err)
		return exitFailed
	}
}

// oneLine prints err as a single line (joined errors are separated by "; ").
func oneLine(w io.Writer, err error) {
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	fmt.Fprintln(w, "train: "+msg)
}

func printSummary(w io.Writer, out string, r *experiment.Result) {
	fmt.Fprintf(w, "trained      %d tokens, C = %.4g FLOP, %.1f s on %s\n", r.Tokens, r.Compute, r.WallSeconds, r.Device)
	fmt.Fprintf(w, "val loss     final %.4f (on %d validation tokens), best %.4f\n", r.FinalLoss, r.ValTokens, r.BestLoss)
	fmt.Fprintf(w, "files        %s\n", strings.Join([]string{
		filepath.Join(out, experiment.ConfigFile), filepath.Join(out, experiment.MetricsFile),
		filepath.Join(out, "events.out.tfevents.*"), filepath.Join(out, "checkpoints/step-*/"),
		filepath.Join(out, experiment.ResultFile)}, ", "))
}
