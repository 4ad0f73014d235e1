//go:build unix

package main

import (
	"bytes"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/internal/cli"
)

// TestCtrlCCheckpointsAndRerunResumes sends this process a real SIGINT
// while train runs, then reruns the same command, and checks the finished
// run's metrics equal those of an uninterrupted run.
func TestCtrlCCheckpointsAndRerunResumes(t *testing.T) {
	dir := t.TempDir()
	text := smallCorpus(t, dir)
	args := func(out string) []string {
		return []string{"-params", "20K", "-activation", "gelu", "-data", text, "-vocab", "300", "-cache", filepath.Join(dir, "cache"),
			"-ctx", "32", "-batch", "8", "-tokens", "16K", "-eval-every", "1", "-eval-tokens", "512", "-quiet", "-log", "error", "-device", "cpu", "-out", out}
	}
	var stdout, stderr bytes.Buffer
	ref := filepath.Join(dir, "ref")
	require.Equal(t, cli.ExitOK, run(args(ref), &stdout, &stderr), stderr.String())

	// While this channel is registered a late SIGINT cannot kill the test binary.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGINT)
	defer signal.Stop(guard)

	out := filepath.Join(dir, "run")
	done := make(chan int)
	stdout.Reset()
	stderr.Reset()
	go func() { done <- run(args(out), &stdout, &stderr) }()
	// Interrupt once the first evaluation has been written.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(out, "metrics.csv")); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "no metrics.csv after 30 s")
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	var code int
	select {
	case code = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("train did not stop after SIGINT")
	}
	if code == cli.ExitOK {
		t.Skip("the run finished before the signal arrived")
	}
	require.Equal(t, cli.ExitInterrupted, code, stderr.String())
	assert.Contains(t, stderr.String(), "rerun the same command to resume")
	ck, _ := filepath.Glob(filepath.Join(out, "checkpoints", "step-*", "state.json"))
	require.Len(t, ck, 1)

	stdout.Reset()
	stderr.Reset()
	require.Equal(t, cli.ExitOK, run(args(out), &stdout, &stderr), stderr.String())
	a, err := os.ReadFile(filepath.Join(ref, "metrics.csv"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(out, "metrics.csv"))
	require.NoError(t, err)
	assert.Equal(t, dropTimings(string(a)), dropTimings(string(b)))
}

// dropTimings removes the tokens_per_sec and elapsed_sec columns.
func dropTimings(csv string) string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(csv), "\n") {
		f := strings.Split(line, ",")
		out = append(out, strings.Join(f[:6], ","))
	}
	return strings.Join(out, "\n")
}
