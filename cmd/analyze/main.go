// Command analyze fits scaling laws and writes the scaling report.
//
//	analyze -results DIR [-boot N] [-seed S] [-verdict-form auto|loglinear|saturating] [-v]
//	analyze -results A -results B [-results C ...] [-label a,b,...] [-out DIR] [-boot N] [-seed S]
//	analyze -csv FILE -form loglinear|saturating|chinchilla [-drop-highest K] [-starts hoffmann|small] [-boot N] [-seed S] [-json]
//
// -results re-runs the analysis of a sweep folder (its results.json and the
// runs' result.json) and writes analysis.json, scaling.png, scaling.svg,
// curves.png, residuals.png, report.md and report.html into DIR.
//
// Two or more -results fit each sweep folder on its own and put them side
// by side: one plot (colour per sweep, marker per activation), one table
// of fitted laws and verdicts, each activation's exponent across sweeps
// with a 95% interval, written as compare.md, compare.html, compare.png,
// compare.svg and compare.json into -out (default: the first folder).
//
// -csv fits one law to external points and prints the parameters with 95%
// bootstrap intervals (a table, or JSON with -json). The CSV needs a header
// with a loss column and two of params, tokens, compute (the third is
// derived with C = 6·N·D); the Chinchilla points of Besiroglu et al. 2024
// (columns "Model Size", "Training FLOP", loss) read as they are.
// -drop-highest K leaves out the K points of highest loss first, as that
// paper did with K = 5.
//
// A mistake ends with one line on standard error and exit status 1 (2 for a
// bad flag).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
