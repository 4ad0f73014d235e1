// Package cli is the exit-code contract and error printing shared by every
// command in cmd/: 0 success, 1 failure, 2 command-line mistake, 130
// interrupted; an error ends as one line on stderr, prefixed by the
// command's name.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit statuses, the same for every command.
const (
	ExitOK          = 0
	ExitFailed      = 1   // the work failed
	ExitUsage       = 2   // a mistake in the command line
	ExitInterrupted = 130 // SIGINT or SIGTERM; rerunning resumes
)

// exitError carries the exit status of an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Usage marks err as a command-line mistake (exit status 2).
func Usage(err error) error { return &exitError{ExitUsage, err} }

// Usagef is Usage(fmt.Errorf(format, args...)).
func Usagef(format string, args ...any) error { return Usage(fmt.Errorf(format, args...)) }

// Interrupted marks err as an interruption (exit status 130).
func Interrupted(err error) error { return &exitError{ExitInterrupted, err} }

// ExitCode is the exit status for err: 0 for nil, the status err was
// marked with, 130 for a context cancellation, and 1 otherwise.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	return ExitFailed
}

// OneLine joins the lines of an error message with "; " and trims it.
func OneLine(msg string) string {
	return strings.ReplaceAll(strings.TrimSpace(msg), "\n", "; ")
}

// Fail prints err as one line "prog: message" to w and returns its exit
// status. A nil err prints nothing and returns 0.
func Fail(w io.Writer, prog string, err error) int {
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(w, prog+": "+OneLine(err.Error()))
	return ExitCode(err)
}
