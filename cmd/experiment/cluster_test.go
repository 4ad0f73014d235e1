package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/internal/cli"
)

// TestTwoWorkersOnOneRun starts `experiment run` on the same index twice
// at once: the first trains it, the second says which process holds the
// run and exits 1; the run is trained once (one row per step).
func TestTwoWorkersOnOneRun(t *testing.T) {
	out, cache := filepath.Join(t.TempDir(), "sweep"), t.TempDir()
	stdout, stderr, err := runCmd("plan", "-grid", "smoke", "-out", out, "-cache", cache, "-device", "cpu", "-quiet", "-estimate=false")
	require.NoError(t, err, stdout+stderr)
	assert.Contains(t, stdout, "indices 0-7")
	p, err := experiment.ReadPlan(out)
	require.NoError(t, err)
	last := p.Runs[len(p.Runs)-1]

	first := exec.Command(os.Args[0], "run", "-out", out, "-cache", cache, "-quiet", "-checkpoint-steps", "10")
	first.Env = append(os.Environ(), childEnv+"=1", fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", last.Index))
	var fout, ferr bytes.Buffer
	first.Stdout, first.Stderr = &fout, &ferr
	require.NoError(t, first.Start())
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	lock := filepath.Join(out, last.Name, experiment.RunLockFile)
	require.Eventually(t, func() bool { _, err := os.Stat(lock); return err == nil }, 60*time.Second, 2*time.Millisecond,
		"the first worker never locked its run:\n%s%s", fout.String(), ferr.String())

	second := exec.Command(os.Args[0], "run", "-out", out, "-cache", cache, "-quiet", "-index", fmt.Sprint(last.Index))
	second.Env = append(os.Environ(), childEnv+"=1")
	var sout, serr bytes.Buffer
	second.Stdout, second.Stderr = &sout, &serr
	err = second.Run()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "the second worker must fail: %v\n%s", err, sout.String())
	assert.Equal(t, cli.ExitFailed, ee.ExitCode())
	msg := strings.TrimSpace(serr.String())
	host, _ := os.Hostname()
	assert.Contains(t, msg, fmt.Sprintf("is held by %s pid %d", host, first.Process.Pid), msg)
	assert.Contains(t, msg, last.Name)
	assert.Equal(t, 1, strings.Count(msg, "\n")+1, "one line: %s", msg)

	// While it trains, status shows where.
	status, _, err := runCmd("status", "-out", out)
	require.NoError(t, err)
	if _, err := os.Stat(lock); err == nil {
		assert.Contains(t, status, fmt.Sprintf("running   on %s pid %d", host, first.Process.Pid))
	}

	require.NoError(t, <-done, fout.String()+ferr.String())
	assert.NoFileExists(t, lock)
	metrics, err := os.ReadFile(filepath.Join(out, last.Name, experiment.MetricsFile))
	require.NoError(t, err)
	assert.Equal(t, last.Steps+1, strings.Count(string(metrics), "\n"), "one row per step: trained once")
	rs := readResultsFile(t, out)
	assert.Equal(t, experiment.StatusFinished, rs.Runs[last.Index].Status)
	assert.Equal(t, experiment.StatusPending, rs.Runs[0].Status)

	status, _, err = runCmd("status", "-out", out)
	require.NoError(t, err)
	assert.Regexp(t, fmt.Sprintf(`%d  %s +finished  val loss [0-9.]+`, last.Index, last.Name), status)
	assert.Contains(t, status, "total: 1 finished, 0 running, 7 pending, 0 failed, 0 diverged")
	assert.Contains(t, status, "time left: about")

	// A different plan in the same folder is refused.
	_, _, err = runCmd("plan", "-grid", "smoke", "-out", out, "-cache", cache, "-device", "cpu", "-quiet", "-estimate=false", "-tokens-per-param", "10")
	require.ErrorIs(t, err, experiment.ErrPlanChanged)
	assert.Contains(t, err.Error(), "use another -out folder")
}

func TestSubmitDryRunAndResubmit(t *testing.T) {
	out, cache := filepath.Join(t.TempDir(), "sweep"), t.TempDir()
	_, _, err := runCmd("plan", "-grid", "smoke", "-out", out, "-cache", cache, "-device", "cpu", "-quiet", "-estimate=false", "-anchors-only", "-activations", "gelu")
	require.NoError(t, err)
	stdout, _, err := runCmd("submit", "-out", out, "-dry-run", "-max-parallel", "2", "-sbatch-arg", "--account=lab", "-time", "00:10:00")
	require.NoError(t, err)
	assert.Contains(t, stdout, "3 of 3 runs to submit (array 0-2%2)")
	assert.Contains(t, stdout, "sbatch --parsable "+filepath.Join(out, "slurm", "sweep.sbatch"))
	script, err := os.ReadFile(filepath.Join(out, "slurm", "sweep.sbatch"))
	require.NoError(t, err)
	assert.Contains(t, string(script), "#SBATCH --account=lab\n")
	assert.Contains(t, string(script), " run -out "+out)

	// One run finished: a new submission leaves it out.
	_, _, err = runCmd("run", "-out", out, "-cache", cache, "-quiet", "-index", "1")
	require.NoError(t, err)
	stdout, _, err = runCmd("submit", "-out", out, "-dry-run")
	require.NoError(t, err)
	assert.Contains(t, stdout, "2 of 3 runs to submit (array 0,2)")

	_, _, err = runCmd("submit", "-out", out, "-time", "ten minutes")
	assert.Equal(t, cli.ExitUsage, cli.ExitCode(err))
	_, _, err = runCmd("run", "-out", out)
	assert.Equal(t, cli.ExitUsage, cli.ExitCode(err))
	assert.Contains(t, err.Error(), "SLURM_ARRAY_TASK_ID")
}
