package main

import "errors"

// Exit statuses.
const (
	exitFailed      = 1   // a run or the analysis failed
	exitUsage       = 2   // a mistake in the command line
	exitInterrupted = 130 // Ctrl-C or SIGTERM; rerunning resumes
)

// exitError carries the exit status of an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error       { return &exitError{exitUsage, err} }
func interruptedErr(err error) error { return &exitError{exitInterrupted, err} }

// exitCode is the exit status for err.
func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitFailed
}
