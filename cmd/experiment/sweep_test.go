package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/fittest"
	"github.com/empirical-scaling/harness/fit/report"
	"github.com/empirical-scaling/harness/fit/results"
	"github.com/empirical-scaling/harness/internal/cli"
)

// childEnv makes the test binary act as the experiment command (TestMain).
const childEnv = "EXPERIMENT_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func smokeArgs(out, cache string, extra ...string) []string {
	return append([]string{"-grid", "smoke", "-out", out, "-cache", cache, "-quiet", "-boot", "200"}, extra...)
}

func readResultsFile(t *testing.T, dir string) experiment.Results {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, experiment.ResultsFile))
	require.NoError(t, err)
	var rs experiment.Results
	require.NoError(t, json.Unmarshal(b, &rs))
	return rs
}

func nonEmpty(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err, path)
	assert.Positive(t, st.Size(), path)
}

// TestSmokeSweepEndToEnd runs experiment -grid smoke: every run, results.json,
// the fits, plots and report; then a corrupt results.json and a corrupt
// run result.json are reported and repaired on the next sweep, and the
// analysis on a corrupt run file fails with a message naming it.
func TestSmokeSweepEndToEnd(t *testing.T) {
	out, cache := filepath.Join(t.TempDir(), "sweep"), t.TempDir()
	stdout, stderr, err := runCmd(smokeArgs(out, cache)...)
	require.NoError(t, err, stdout+stderr)
	assert.Contains(t, stdout, "grid smoke on cpu")
	assert.Contains(t, stdout, "verdict: ")
	assert.Contains(t, stdout, "report: "+filepath.Join(out, report.FileReportMD))
	assert.Regexp(t, `holdout gelu-7K-s1 \(loglinear fit\): predicted [0-9.]+ \[[0-9.]+, [0-9.]+\], actual [0-9.]+, error [-+][0-9.]+%, (inside|OUTSIDE) its 95% interval`, stdout)

	rs := readResultsFile(t, out)
	assert.Equal(t, "smoke", rs.Grid)
	assert.Contains(t, rs.Command, "experiment -grid smoke")
	require.Len(t, rs.Runs, 8)
	for _, r := range rs.Runs {
		assert.Equal(t, experiment.StatusFinished, r.Status, r.Name)
		for _, f := range []string{experiment.ResultFile, experiment.ConfigFile, experiment.MetricsFile} {
			nonEmpty(t, filepath.Join(out, r.Name, f))
		}
	}
	for _, f := range []string{report.FileAnalysis, report.FileScalingPN, report.FileScalingSV, report.FileCurves, report.FileResiduals, report.FileReportMD, report.FileReportHTM} {
		nonEmpty(t, filepath.Join(out, f))
	}
	md, err := os.ReadFile(filepath.Join(out, report.FileReportMD))
	require.NoError(t, err)
	assert.Contains(t, string(md), "swiglu-7K-s1")
	// The report shows what the largest run of each activation writes,
	// and the same text as experiment sample with the report's settings.
	assert.Contains(t, string(md), "## Samples")
	var doc struct {
		Meta report.Meta `json:"meta"`
	}
	js, err := os.ReadFile(filepath.Join(out, report.FileAnalysis))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(js, &doc))
	require.Len(t, doc.Meta.Samples, 2, "one sample per activation")
	for _, s := range doc.Meta.Samples {
		assert.Contains(t, []string{"gelu-7K-s1", "swiglu-7K-s1"}, s.Run)
		assert.True(t, strings.HasPrefix(s.Text, results.SamplePrompt), s.Text)
		want, err := experiment.SampleText(context.Background(), filepath.Join(out, s.Run), experiment.SampleOptions{
			Prompt: results.SamplePrompt, Tokens: results.SampleTokens, Seed: results.SampleSeed})
		require.NoError(t, err)
		assert.Equal(t, want, s.Text)
		assert.Contains(t, string(md), "> "+strings.SplitN(s.Text, "\n", 2)[0])
	}

	// Corrupt both kinds of result file: the sweep names them and repairs them.
	require.NoError(t, os.WriteFile(filepath.Join(out, experiment.ResultsFile), []byte("{not json"), 0o644))
	runFile := filepath.Join(out, "swiglu-3K-s1", experiment.ResultFile)
	require.NoError(t, os.WriteFile(runFile, []byte(`{"name": "swiglu-3K-s1", "params": "many"}`), 0o644))
	stdout, stderr, err = runCmd(smokeArgs(out, cache)...)
	require.NoError(t, err, stdout+stderr)
	assert.Contains(t, stdout, "warning: "+filepath.Join(out, experiment.ResultsFile)+" is unreadable")
	assert.Contains(t, stdout, "warning: parse "+runFile)
	assert.Contains(t, stdout, "swiglu-3K-s1: L1 d16 h2 swiglu")
	assert.Contains(t, stdout, "1 trained (1 resumed), 7 finished before, 0 failed")
	assert.Len(t, readResultsFile(t, out).Runs, 8)

	// The analysis alone on a corrupt run file: one clear error, no crash.
	require.NoError(t, os.WriteFile(runFile, []byte("\x00\x01"), 0o644))
	var b bytes.Buffer
	err = analyze(context.Background(), out, 50, "test", &b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), runFile)
}

// TestSIGTERMCheckpointsAndRerunResumes starts the command as a child
// process, sends it a real SIGTERM while the second run is training,
// checks the clean exit, then reruns: the finished run is skipped, the
// interrupted one resumes from its checkpoint, and the sweep completes.
func TestSIGTERMCheckpointsAndRerunResumes(t *testing.T) {
	out, cache := filepath.Join(t.TempDir(), "sweep"), t.TempDir()
	args := smokeArgs(out, cache, "-anchors-only", "-activations", "gelu,swiglu", "-tokens-per-param", "40", "-checkpoint-steps", "3")
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var cout, cerr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &cout, &cerr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// Wait until the first run finished and the second has a checkpoint.
	victim := filepath.Join(out, "swiglu-800-s1")
	deadline := time.Now().Add(60 * time.Second)
	for {
		first, _ := os.ReadFile(filepath.Join(out, "gelu-800-s1", experiment.ResultFile))
		ckpts, _ := filepath.Glob(filepath.Join(victim, "checkpoints", "step-*", "state.json"))
		if strings.Contains(string(first), `"finished"`) && len(ckpts) > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the sweep ended (%v) before it could be interrupted:\n%s\n%s", err, cout.String(), cerr.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "no checkpoint of %s after 60 s:\n%s\n%s", victim, cout.String(), cerr.String())
		time.Sleep(2 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the sweep did not exit within 60 s of SIGTERM")
	}
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "want a non-zero exit, got %v\n%s", err, cout.String())
	assert.Equal(t, cli.ExitInterrupted, ee.ExitCode(), cerr.String())
	msg := strings.TrimSpace(cerr.String())
	assert.Contains(t, msg, "rerun the same command to resume")
	assert.NotContains(t, msg, "goroutine", "no stack trace")
	rs := readResultsFile(t, out)
	var victimRes experiment.Result
	for _, r := range rs.Runs {
		if r.Name == "swiglu-800-s1" {
			victimRes = r
		}
	}
	require.Equal(t, experiment.StatusRunning, victimRes.Status, "results.json records the interrupted run")
	before, err := os.ReadFile(filepath.Join(victim, experiment.MetricsFile))
	require.NoError(t, err)

	stdout, stderr, err := runCmd(args...)
	require.NoError(t, err, stdout+stderr)
	assert.Contains(t, stdout, "skip gelu-800-s1: finished before")
	assert.Regexp(t, `swiglu-800-s1: L1 d8 h2 swiglu .*: resuming from step [1-9][0-9]* of`, stdout)
	assert.Contains(t, stdout, "(1 resumed), 1 finished before, 0 failed")
	for _, r := range readResultsFile(t, out).Runs {
		assert.Equal(t, experiment.StatusFinished, r.Status, r.Name)
	}
	// The resumed run kept the rows it had and continued after them.
	after, err := os.ReadFile(filepath.Join(victim, experiment.MetricsFile))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(after), string(before)[:strings.LastIndex(string(before), "\n")]),
		"metrics.csv after the resume starts with the rows before it")
	assert.Greater(t, len(after), len(before))
}

func TestSweepDryRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "never")
	stdout, _, err := runCmd("-grid", "smoke", "-dry-run", "-device", "cpu", "-out", out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2+1+8+1, stdout)
	assert.Regexp(t, `run +activation +role +L +d +heads +N +D +C \(FLOP\) +steps +memory +est\. time`, lines[2])
	assert.Regexp(t, `gelu-800-s1 +gelu +anchor +1 +8 +2 +816 +`, lines[3])
	assert.Regexp(t, `swiglu-7K-s1 +swiglu +holdout +1 +24`, lines[10])
	assert.Regexp(t, `^ *total +[0-9.]+s$`, lines[11])
	assert.NoDirExists(t, out)
}

func TestChooseGrid(t *testing.T) {
	none := gpuProbe{reason: "libcuda.so.1: not found"}
	two := gpuProbe{count: 2}
	tests := []struct {
		grid, device string
		gpu          gpuProbe
		want         gridChoice
		why, err     string
	}{
		{"auto", "auto", none, gridChoice{grid: "tiny", device: "cpu"}, "no CUDA GPU (libcuda.so.1: not found)", ""},
		{"auto", "auto", two, gridChoice{grid: "anchors", device: "cuda"}, "2 CUDA GPU(s)", ""},
		{"auto", "cpu", two, gridChoice{grid: "tiny", device: "cpu"}, "-device cpu", ""},
		{"auto", "cuda", none, gridChoice{}, "", "-device cuda: no usable GPU: libcuda.so.1: not found"},
		{"smoke", "auto", two, gridChoice{grid: "smoke", device: "cuda"}, "as asked", ""},
		{"full", "auto", none, gridChoice{grid: "full", device: "cpu"}, "as asked", ""},
	}
	for _, tc := range tests {
		t.Run(tc.grid+"/"+tc.device, func(t *testing.T) {
			got, err := chooseGrid(tc.grid, tc.device, tc.gpu)
			if tc.err != "" {
				assert.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want.grid, got.grid)
			assert.Equal(t, tc.want.device, got.device)
			assert.Contains(t, got.why, tc.why)
		})
	}
}

func TestSweepUserMistakes(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-grid", "huge"}, `grid "huge": want one of smoke, tiny, tiny-v1, anchors, full, isoflop-smoke, isoflop-tiny, isoflop, auto`},
		{[]string{"-grid", "isoflop-tiny", "-tokens-per-param", "20"}, "sets each run's tokens from its budget"},
		{[]string{"-seeds", "-1"}, "-seeds -1"},
		{[]string{"-seeds", "0"}, "-seeds 0: want at least 1"},
		{[]string{"-tokens-per-param", "0"}, "-tokens-per-param 0: want a positive number"},
		{[]string{"-activations", "gelu,relu"}, "relu"},
		{[]string{"-device", "tpu"}, `-device "tpu"`},
		{[]string{"-grid", "smoke", "extra"}, `unexpected argument "extra"`},
		{[]string{"-tokens-per-param", "-3"}, "-tokens-per-param"},
		{[]string{"-boot", "0"}, "-boot 0"},
		{[]string{"-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"sweep"}, `unknown command "sweep"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runCmd(tc.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
			assert.Equal(t, cli.ExitUsage, cli.ExitCode(err))
		})
	}
}

func TestSweepHelp(t *testing.T) {
	out, _, err := runCmd("-h")
	require.NoError(t, err)
	assert.Contains(t, out, "usage: experiment [-grid")
	assert.Contains(t, out, "tiny          anchors 28K, 50K, 77K, 111K, 222K; holdout 300K")
	assert.Contains(t, out, "tiny-v1       anchors 1.8K, 3K, 5K, 7K, 9.5K; holdout 28K")
	assert.Contains(t, out, "isoflop-tiny  budgets 3e8, 1e9, 3e9, 1e10 FLOP, 5 sizes each")
	assert.Contains(t, out, "-tune-lr")
	assert.Contains(t, out, "-anchors-only")
}

// TestAnalysisOnNaturalTextSaysTheSameEverywhere: a tiny sweep on natural
// text (simulated: the loss flattens within the grid, so the holdouts land
// several % above the log-linear extrapolation) must print on the console
// the same qualified verdict that opens report.md and report.html, and mark
// it in analysis.json.
func TestAnalysisOnNaturalTextSaysTheSameEverywhere(t *testing.T) {
	dir := t.TempDir()
	pts := fittest.SweepSizes(rand.New(rand.NewPCG(4, 3)), fittest.NaturalText, fittest.TinyAnchors, fittest.TinyHoldouts, 2)
	fittest.WriteSweep(t, dir, "tiny", pts)
	var out bytes.Buffer
	require.NoError(t, analyze(context.Background(), dir, 200, "experiment -grid tiny -data english.txt", &out))

	var headline string
	for _, l := range strings.Split(out.String(), "\n") {
		if h, ok := strings.CutPrefix(l, "verdict: "); ok {
			headline = h
		}
	}
	require.NotEmpty(t, headline, out.String())
	assert.Contains(t, headline, "log-linear law misses", "the console says the law misses its holdouts")
	assert.Contains(t, out.String(), "OUTSIDE its 95% interval for a run")

	md, err := os.ReadFile(filepath.Join(dir, report.FileReportMD))
	require.NoError(t, err)
	assert.Contains(t, strings.SplitN(string(md), "\n\n", 3)[1], headline, "report.md opens with the console's verdict")
	html, err := os.ReadFile(filepath.Join(dir, report.FileReportHTM))
	require.NoError(t, err)
	assert.Contains(t, string(html), `<p class="verdict qualified"><strong>Verdict: `+template.HTMLEscapeString(headline))

	var back struct {
		Analysis struct {
			Verdict struct {
				Headline   string   `json:"headline"`
				Qualified  bool     `json:"qualified"`
				Qualifiers []string `json:"qualifiers"`
			} `json:"verdict"`
		} `json:"analysis"`
	}
	js, err := os.ReadFile(filepath.Join(dir, report.FileAnalysis))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, headline, back.Analysis.Verdict.Headline)
	assert.True(t, back.Analysis.Verdict.Qualified)
	assert.Contains(t, back.Analysis.Verdict.Qualifiers, fit.QualifierHoldoutsMissed)
}

func TestTuneLRDefaultsByGrid(t *testing.T) {
	cases := []struct {
		args []string
		tune bool
	}{
		{[]string{"-grid", "smoke"}, false},
		{[]string{"-grid", "smoke", "-tune-lr"}, true},
		{[]string{"-grid", "isoflop-smoke"}, true},
		{[]string{"-grid", "isoflop-smoke", "-tune-lr=false"}, false},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append(append([]string{}, tc.args...), "-dry-run", "-device", "cpu", "-out", t.TempDir())
			stdout, _, err := runCmd(args...)
			require.NoError(t, err)
			assert.Equal(t, tc.tune, strings.Contains(stdout, "lr-gelu-"), stdout)
			assert.Contains(t, stdout, "total")
		})
	}
}

func TestPlanWithTunedRatesNeedsTheTuning(t *testing.T) {
	out := t.TempDir()
	_, _, err := runCmd("plan", "-grid", "isoflop-smoke", "-device", "cpu", "-out", out, "-estimate=false", "-quiet")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-tune-only")
	assert.Equal(t, cli.ExitUsage, cli.ExitCode(err))
	_, _, err = runCmd("plan", "-grid", "isoflop-smoke", "-device", "cpu", "-out", out, "-estimate=false", "-quiet", "-tune-lr=false")
	require.NoError(t, err)
}
