package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/experiment/slurm"
	"github.com/empirical-scaling/harness/fit/report"
)

// slurmTestEnv switches on the Slurm integration test (make test-slurm,
// after scripts/slurm-cluster.sh up).
const slurmTestEnv = "SLURM_TEST"

// TestSlurmSweep runs the smoke grid through a real Slurm cluster: the
// array and the analysis job give the same numbers as a one-process sweep;
// then one task is cancelled in the middle of its run, a second submit
// sends only that run, which resumes from its checkpoint, no other run is
// touched, and the analysis is unchanged.
func TestSlurmSweep(t *testing.T) {
	if os.Getenv(slurmTestEnv) != "1" {
		t.Skipf("set %s=1 with a Slurm cluster up (make test-slurm)", slurmTestEnv)
	}
	_, err := exec.LookPath("sbatch")
	require.NoError(t, err, "no sbatch: run bash scripts/slurm-cluster.sh up first")
	// The tasks run this test binary as the experiment command (TestMain);
	// sbatch passes the environment on.
	t.Setenv(childEnv, "1")
	root, cache := t.TempDir(), t.TempDir()
	bin, err := filepath.Abs(os.Args[0])
	require.NoError(t, err)

	// The reference: the whole sweep in one process.
	ref := filepath.Join(root, "local")
	start := time.Now()
	stdout, stderr, err := runCmd(smokeArgs(ref, cache)...)
	require.NoError(t, err, stdout+stderr)
	localWall := time.Since(start)

	// The same sweep through Slurm, one task at a time so that the wall
	// times compare with the one process.
	a := filepath.Join(root, "slurm-a")
	start = time.Now()
	plan(t, a, cache)
	sub := submit(t, a, cache, bin)
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7}, sub.Indices)
	waitJobs(t, sub)
	slurmWall := time.Since(start)
	sameNumbers(t, ref, a)
	var localTrain, slurmTrain float64
	for i, r := range readResultsFile(t, ref).Runs {
		localTrain += r.WallSeconds
		slurmTrain += readResultsFile(t, a).Runs[i].WallSeconds
	}
	t.Logf("smoke grid: one process %.1f s (training %.1f s); Slurm array + analysis, one task at a time, %.1f s (training %.1f s); overhead %.2f s per job (9 jobs)",
		localWall.Seconds(), localTrain, slurmWall.Seconds(), slurmTrain, (slurmWall.Seconds()-localWall.Seconds())/9)

	// Cancel the last run in the middle, then submit again.
	b := filepath.Join(root, "slurm-b")
	p := plan(t, b, cache)
	victim := p.Runs[len(p.Runs)-1]
	sub = submit(t, b, cache, bin)
	vdir := filepath.Join(b, victim.Name)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		ckpts, _ := filepath.Glob(filepath.Join(vdir, "checkpoints", "step-*", "state.json"))
		if len(ckpts) > 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "no checkpoint of %s after 3 minutes", victim.Name)
		time.Sleep(5 * time.Millisecond)
	}
	task := fmt.Sprintf("%s_%d", sub.ArrayJob, victim.Index)
	out, err := exec.Command("scancel", task).CombinedOutput()
	require.NoError(t, err, string(out))
	waitJobs(t, sub)
	res, err := os.ReadFile(filepath.Join(vdir, experiment.ResultFile))
	require.NoError(t, err)
	require.NotContains(t, string(res), `"finished"`, "the run finished before scancel reached it; the test could not interrupt it")
	before := map[string][]byte{}
	for _, r := range p.Runs[:len(p.Runs)-1] {
		before[r.Name], err = os.ReadFile(filepath.Join(b, r.Name, experiment.ResultFile))
		require.NoError(t, err)
		require.Contains(t, string(before[r.Name]), `"finished"`, r.Name)
	}

	sub = submit(t, b, cache, bin)
	assert.Equal(t, []int{victim.Index}, sub.Indices, "only the unfinished run is submitted")
	waitJobs(t, sub)
	log, err := os.ReadFile(filepath.Join(b, slurm.Subdir, "logs", fmt.Sprintf("run-%d.log", victim.Index)))
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(victim.Name+`: .*: resuming from step [1-9][0-9]* of`), string(log))
	assert.Equal(t, 1, strings.Count(string(log), ": training\n"), "trained from scratch once:\n%s", log)
	for name, was := range before {
		now, err := os.ReadFile(filepath.Join(b, name, experiment.ResultFile))
		require.NoError(t, err)
		assert.Equal(t, string(was), string(now), "%s was not trained again", name)
		runLog, err := os.ReadFile(filepath.Join(b, slurm.Subdir, "logs", fmt.Sprintf("run-%d.log", indexOf(p, name))))
		require.NoError(t, err)
		assert.Equal(t, 1, strings.Count(string(runLog), name+": L"), "%s started once:\n%s", name, runLog)
	}
	sameNumbers(t, ref, b)
}

func indexOf(p *experiment.Plan, name string) int {
	r, _ := p.Lookup(name)
	return r.Index
}

func plan(t *testing.T, dir, cache string) *experiment.Plan {
	t.Helper()
	stdout, stderr, err := runCmd("plan", "-grid", "smoke", "-out", dir, "-cache", cache, "-device", "cpu", "-quiet", "-estimate=false")
	require.NoError(t, err, stdout+stderr)
	p, err := experiment.ReadPlan(dir)
	require.NoError(t, err)
	return p
}

func submit(t *testing.T, dir, cache, bin string) *slurm.Submission {
	t.Helper()
	stdout, stderr, err := runCmd("submit", "-out", dir, "-cache", cache, "-bin", bin, "-cpus-per-run", "1", "-max-parallel", "1",
		"-checkpoint-steps", "10", "-boot", "200", "-time", "00:10:00")
	require.NoError(t, err, stdout+stderr)
	assert.Contains(t, stdout, "submitted array job")
	s, ok, err := slurm.ReadSubmission(dir)
	require.NoError(t, err)
	require.True(t, ok)
	return s
}

// waitJobs waits until squeue lists none of the submission's jobs.
func waitJobs(t *testing.T, s *slurm.Submission) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for {
		out, err := exec.Command("squeue", "-h", "-j", s.ArrayJob+","+s.AnalysisJob, "-o", "%i %T").Output()
		if err == nil && strings.TrimSpace(string(out)) == "" {
			return
		}
		require.True(t, time.Now().Before(deadline), "jobs still queued after 4 minutes:\n%s", out)
		time.Sleep(200 * time.Millisecond)
	}
}

// sameNumbers checks that the sweep in got has the final losses and the
// fitted analysis of the one in want.
func sameNumbers(t *testing.T, want, got string) {
	t.Helper()
	w, g := readResultsFile(t, want), readResultsFile(t, got)
	require.Len(t, g.Runs, len(w.Runs))
	for i := range w.Runs {
		assert.Equal(t, w.Runs[i].Name, g.Runs[i].Name)
		assert.Equal(t, experiment.StatusFinished, g.Runs[i].Status, g.Runs[i].Name)
		assert.Equal(t, w.Runs[i].FinalLoss, g.Runs[i].FinalLoss, "final loss of %s", w.Runs[i].Name)
		assert.Equal(t, w.Runs[i].Curve, g.Runs[i].Curve, "curve of %s", w.Runs[i].Name)
	}
	wa, ga := analysisBody(t, want), analysisBody(t, got)
	assert.JSONEq(t, string(wa), string(ga), "analysis.json of %s and %s", want, got)
}

// analysisBody is analysis.json without its provenance (command, time).
func analysisBody(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, report.FileAnalysis))
	require.NoError(t, err)
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &doc))
	body, ok := doc["analysis"]
	require.True(t, ok, "analysis.json has no analysis")
	return bytes.TrimSpace(body)
}
