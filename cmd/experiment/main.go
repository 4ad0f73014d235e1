// Command experiment runs the scaling-law sweep and prepares its data.
//
//	experiment [-grid smoke|tiny|tiny-v1|anchors|full|auto] [-activations gelu,swiglu] [-seeds K] [-data SRC]
//	           [-device auto|cpu|cuda] [-out DIR] [-dry-run] [-anchors-only] ...
//	experiment prepare -data SRC [-cache DIR] [-hf-endpoint URL] [-vocab-size N] [-tokenizer gpt2|DIR] ...
//	experiment sample -run DIR [-prompt TEXT] [-tokens N] [-temperature T] [-top-k K] [-seed S] [-n COUNT] [-device ...]
//	experiment export -run DIR -out DIR2
//
// Run with -h (or prepare -h) for the flags. A mistake ends with one line
// on stderr and a non-zero exit status: 2 for a bad command line, 130
// when interrupted (rerunning resumes), 1 otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/empirical-scaling/harness/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Fail(os.Stderr, "experiment", run(ctx, os.Args[1:], os.Stdout, os.Stderr))
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand; without one (or with flags first) it
// runs the sweep.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch {
		case args[0] == "prepare":
			return runPrepare(ctx, args[1:], stdout, stderr)
		case clusterCommands[args[0]] != nil:
			err := clusterCommands[args[0]](ctx, args[1:], stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		case args[0] == "sample":
			return runSample(ctx, args[1:], stdout, stderr)
		case args[0] == "export":
			return runExport(ctx, args[1:], stdout, stderr)
		case !strings.HasPrefix(args[0], "-"):
			return cli.Usage(fmt.Errorf("unknown command %q; try: experiment -grid tiny, or experiment prepare -data synthetic", args[0]))
		}
	}
	err := runSweep(ctx, args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
