package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/experiment/slurm"
	"github.com/empirical-scaling/harness/internal/cli"
)

const statusUsage = `usage: experiment status -out DIR

One line per run of DIR/plan.json: pending, running (host, pid, since
when, step, last training loss), finished (validation loss), failed or
diverged (the reason); with the Slurm states of the last submission when
squeue is here; then the totals and an estimate of the time left.

flags:
`

// runStatus is "experiment status".
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("status")
	var out string
	fs.StringVar(&out, "out", "", "sweep folder holding plan.json (required)")
	if err := parseFlags(fs, args, statusUsage, stdout); err != nil {
		return err
	}
	if out == "" {
		return cli.Usage(errors.New("status: -out DIR is required"))
	}
	p, states, err := experiment.SweepStatus(out)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	var sl *slurm.States
	sub, ok, err := slurm.ReadSubmission(out)
	if err != nil {
		fmt.Fprintln(stdout, "warning: "+err.Error())
	}
	if ok {
		if st, qerr := slurm.Query(ctx, sbatchRunner, sub); qerr == nil {
			sl = &st
		} else {
			fmt.Fprintf(stdout, "note: no Slurm states (%v)\n", qerr)
		}
	}
	fmt.Fprintf(stdout, "%s: grid %s, %d runs for %s workers\n", out, p.Grid.Name, len(p.Runs), p.Device)
	counts := map[string]int{}
	running := 0
	for _, s := range states {
		counts[s.Status]++
		line := fmt.Sprintf("%3d  %-16s %-9s", s.Run.Index, s.Run.Name, s.Status)
		switch s.Status {
		case experiment.StatusFinished:
			line += fmt.Sprintf(" val loss %.4f (%s)", s.ValLoss, experiment.FormatDuration(time.Duration(s.WallSeconds*float64(time.Second))))
		case experiment.StatusRunning:
			running++
			line += fmt.Sprintf(" on %s since %s, step %d/%d", s.Holder, s.Holder.Started.Local().Format(time.DateTime), s.Step, s.Run.Steps)
			if s.Step > 0 {
				line += fmt.Sprintf(", train loss %.4f", s.TrainLoss)
			}
		case experiment.StatusFailed, experiment.StatusDiverged:
			line += " " + s.Reason
		default:
			if s.Checkpoint > 0 {
				line += fmt.Sprintf(" checkpoint at step %d/%d (resumes there)", s.Checkpoint, s.Run.Steps)
			}
			if s.StaleLock && s.Holder != nil {
				line += fmt.Sprintf(", stale lock of %s (gone)", s.Holder)
			}
		}
		if sl != nil {
			if st, ok := sl.Tasks[s.Run.Index]; ok {
				line += fmt.Sprintf("  [slurm %s_%d %s]", sub.ArrayJob, s.Run.Index, st)
			}
		}
		fmt.Fprintln(stdout, line)
	}
	if sl != nil && sl.Analysis != "" {
		fmt.Fprintf(stdout, "analysis job %s: %s\n", sub.AnalysisJob, sl.Analysis)
	}
	fmt.Fprintf(stdout, "total: %d finished, %d running, %d pending, %d failed, %d diverged\n",
		counts[experiment.StatusFinished], counts[experiment.StatusRunning], counts[experiment.StatusPending],
		counts[experiment.StatusFailed], counts[experiment.StatusDiverged])
	if left, basis, ok := experiment.TimeLeft(p, states); ok && left > 0 {
		fmt.Fprintf(stdout, "time left: about %s of training (from %s)", experiment.FormatDuration(left), basis)
		if running > 1 {
			fmt.Fprintf(stdout, ", about %s with %d runs in parallel as now", experiment.FormatDuration(left/time.Duration(running)), running)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
