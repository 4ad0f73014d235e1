// Command train trains one GPT model and writes its metrics, TensorBoard
// events, checkpoints and result in an output folder:
//
//	train -params 3M -activation swiglu -data synthetic -out runs/3m-swiglu
//
// Rerunning the same command resumes from the last checkpoint; Ctrl-C
// (or SIGTERM) checkpoints and exits. A mistake ends with one line on
// stderr and a non-zero exit status.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, testable: it returns the exit status.
// SIGINT and SIGTERM cancel the run, which checkpoints and stops.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdout, stderr)
}
