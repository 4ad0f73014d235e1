// Command experiment runs the scaling-law sweep and prepares its data.
//
//	experiment prepare -data SRC [-cache DIR] [-hf-endpoint URL] [-vocab-size N] [-tokenizer DIR] ...
//
// Run a subcommand with -h for its flags. A mistake in the arguments ends
// with one line on stderr and exit status 1.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "experiment:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "prepare":
			return runPrepare(ctx, args[1:], stdout, stderr)
		}
	}
	return fmt.Errorf("unknown command %q; try: experiment prepare -data synthetic", firstOr(args, ""))
}

func firstOr(args []string, def string) string {
	if len(args) == 0 {
		return def
	}
	return args[0]
}
