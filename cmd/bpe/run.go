package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/empirical-scaling/harness/internal/cli"
)

const usage = `usage:
  bpe train -vocab-size N [-special TOKEN]... -out DIR FILE...
  bpe encode -vocab FILE -merges FILE [-special TOKEN]... [-format json|bin] FILE
  bpe decode -vocab FILE -merges FILE [-special TOKEN]... [-format json|bin] FILE
FILE may be "-" for standard input.`

// progressMin is the input size from which train shows a progress bar.
const progressMin = 8 << 20

// usagef is a command-line mistake (exit status 2).
func usagef(format string, args ...any) error { return cli.Usagef(format, args...) }

// run executes one bpe command and returns the exit status. Every failure
// is reported as one line on stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return cli.Fail(stderr, "bpe", usagef("no command given: want train, encode or decode (bpe -h for usage)"))
	}
	var err error
	switch args[0] {
	case "train":
		err = runTrain(ctx, args[1:], stdin, stderr)
	case "encode":
		err = runEncode(ctx, args[1:], stdin, stdout)
	case "decode":
		err = runDecode(args[1:], stdin, stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stderr, usage)
		return cli.ExitOK
	default:
		err = usagef("unknown command %q: want train, encode or decode", args[0])
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(stderr, usage)
		return cli.ExitOK
	case cli.ExitCode(err) == cli.ExitUsage:
		return cli.Fail(stderr, "bpe", fmt.Errorf("%w (bpe -h for usage)", err))
	}
	return cli.Fail(stderr, "bpe", err)
}

// specialList is a repeatable -special flag.
type specialList []string

func (s *specialList) String() string { return strings.Join(*s, ",") }
func (s *specialList) Set(v string) error {
	if v == "" {
		return errors.New("a special token cannot be empty")
	}
	*s = append(*s, v)
	return nil
}

// parse parses flags quietly (errors come back, not printed) and returns the
// positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usagef("%s: %v", fs.Name(), err)
	}
	return fs.Args(), nil
}
