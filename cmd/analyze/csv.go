package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/results"
	"github.com/empirical-scaling/harness/internal/cli"
)

func fitCSV(ctx context.Context, c config, stdout io.Writer) error {
	form, err := fit.FormByName(c.form)
	if err != nil {
		return cli.Usagef("-form: %v", err)
	}
	if form.Name() == fit.FormChinchilla {
		g := fit.HoffmannGrid()
		if c.grid == "small" {
			g = fit.SmallGrid()
		}
		form = fit.Chinchilla{Grid: &g}
	}
	pts, err := results.ReadCSV(c.csv)
	if err != nil {
		return err
	}
	total := len(pts)
	if c.dropHighest > 0 {
		if pts, err = fit.DropHighest(pts, c.dropHighest); err != nil {
			return fmt.Errorf("%s: %w", c.csv, err)
		}
	}
	r, err := fit.FitForm(ctx, form, pts, "", fit.BootOptions{Resamples: c.boot, Seed: c.seed})
	if err != nil {
		return fmt.Errorf("%s: %w", c.csv, err)
	}
	if !r.OK() {
		return fmt.Errorf("%s: %s", c.csv, r.Error)
	}
	if c.json {
		out := struct {
			File        string         `json:"file"`
			Rows        int            `json:"rows"`
			DropHighest int            `json:"drop_highest"`
			Fit         *fit.FitResult `json:"fit"`
		}{c.csv, total, c.dropHighest, r}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
		return nil
	}
	fmt.Fprintf(stdout, "%s: %s fitted to %d of %d points", c.csv, r.Law, r.Points, total)
	if c.dropHighest > 0 {
		fmt.Fprintf(stdout, " (%d highest-loss dropped)", c.dropHighest)
	}
	fmt.Fprintf(stdout, "\nobjective %.6g, RMS log residual %.4g, bootstrap %d of %d resamples used (seed %d), 95%% expanded percentile intervals\n\n",
		float64(r.Objective), float64(r.RMSLog), r.Boot.Used, r.Boot.Requested, c.seed)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "param\testimate\t95% low\t95% high")
	for _, p := range r.Params {
		fmt.Fprintf(tw, "%s\t%.6g\t%.6g\t%.6g\n", p.Name, float64(p.Value), float64(p.Lo), float64(p.Hi))
	}
	return tw.Flush()
}
