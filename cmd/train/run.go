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
	"github.com/empirical-scaling/harness/internal/cli"
	"github.com/empirical-scaling/harness/internal/runprogress"
	"github.com/empirical-scaling/harness/nn"
)

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Fail(stderr, "train", train(ctx, args, stdout, stderr))
}

// train is the command; its error carries the exit status (internal/cli).
func train(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return cli.Usage(err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return cli.Usagef("-log %q: want debug, info, warn or error", o.logLevel)
	}
	dev, err := o.dev.Open()
	if err != nil {
		return cli.Usage(err)
	}
	c := o.cfg
	c.Device = dev
	prec, err := nn.Resolve(c.Precision, dev)
	if err != nil {
		return cli.Usage(fmt.Errorf("-precision: %w", err))
	}
	c.Precision = string(prec)
	c.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	c.Announce = stdout
	if !o.quiet {
		c.Progress = stderr
		rep := runprogress.ForTerminal(stderr)
		c.OnStep = rep.Step
		defer rep.Close()
	}
	res, err := experiment.Run(ctx, c)
	switch {
	case err == nil:
		printSummary(stdout, c.Out, res)
		return nil
	case errors.Is(err, context.Canceled):
		return cli.Interrupted(fmt.Errorf("interrupted; progress is kept in %s: rerun the same command to resume", c.Out))
	default:
		return err
	}
}

func printSummary(w io.Writer, out string, r *experiment.Result) {
	fmt.Fprintf(w, "trained      %d tokens, C = %.4g FLOP, %.1f s on %s\n", r.Tokens, r.Compute, r.WallSeconds, r.Device)
	fmt.Fprintf(w, "val loss     final %.4f (on %d validation tokens), best %.4f\n", r.FinalLoss, r.ValTokens, r.BestLoss)
	fmt.Fprintf(w, "files        %s\n", strings.Join([]string{
		filepath.Join(out, experiment.ConfigFile), filepath.Join(out, experiment.MetricsFile),
		filepath.Join(out, "events.out.tfevents.*"), filepath.Join(out, "checkpoints/step-*/"),
		filepath.Join(out, experiment.ResultFile)}, ", "))
}
