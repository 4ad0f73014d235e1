package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/experiment"
)

// sweepArgs is the smoke grid (8 runs of seconds, then the analysis),
// checkpointed every ckptSteps steps.
func sweepArgs(out, cache string, ckptSteps int) []string {
	return []string{"-grid", "smoke", "-device", "cpu", "-out", out, "-cache", cache, "-quiet", "-boot", "200",
		"-log", "warn", "-checkpoint-steps", strconv.Itoa(ckptSteps)}
}

// sweepRef is the uninterrupted sweep the killed one must equal.
type sweepRef struct {
	dir      string
	runs     []experiment.PlannedRun
	keys     map[string][]string // metrics.csv keys by run
	results  string              // results.json less provenance and timings
	analysis string              // analysis.json less provenance
	data     time.Duration       // until the data is built
	prep     time.Duration       // until the runs start
	analyze  time.Duration       // the analysis
}

// TestChaosSweep kills experiment -grid smoke with SIGKILL at random
// moments (during the data build, the runs, their checkpoint writes and
// the analysis), reruns it until it finishes, and checks after every
// attempt that each run's metrics.csv holds every step once with the
// uninterrupted sweep's losses and that every finished result and
// analysis.json already written equals the uninterrupted sweep's; at the
// end results.json and analysis.json (less provenance and timings) must
// equal it.
func TestChaosSweep(t *testing.T) {
	rng, kills := setup(t)
	start := time.Now()
	root := t.TempDir()
	ref := runSweepRef(t, filepath.Join(root, "ref"), filepath.Join(root, "cache-ref"))
	total := 0
	for _, r := range ref.runs {
		total += r.Steps
	}
	t.Logf("uninterrupted sweep: %d runs, %d steps; data built in %.1f s, runs from %.1f s, analysis %.1f s",
		len(ref.runs), total, ref.data.Seconds(), ref.prep.Seconds(), ref.analyze.Seconds())

	// A fresh cache: the first kills can land in the data build.
	out, cache := filepath.Join(root, "sweep"), filepath.Join(root, "cache")
	limit := 4 * time.Minute
	st := &chaosStats{}
	analysisKills := max(3, kills/4)
	runKills := kills - analysisKills
	finished := false
	for attempt := 1; !finished || st.kills < kills; attempt++ {
		require.Less(t, attempt, 10*kills+20, "the sweep makes no progress under kills")
		st.attempts++
		views := map[string]ckptView{}
		var beforeWriting, beforeTemps []string
		for _, r := range ref.runs {
			dir := filepath.Join(out, r.Name)
			views[r.Name] = viewCheckpoints(dir)
			beforeWriting = append(beforeWriting, prefixed(r.Name, views[r.Name].writing())...)
			beforeTemps = append(beforeTemps, tempFiles(dir)...)
		}
		beforeTemps = append(beforeTemps, tempFiles(out)...)
		done := sweepProgress(out, ref.runs, views)
		ckptSteps := []int{1, 3, 7}[rng.IntN(3)]

		// The kill plan: during the runs, a random moment of the start
		// (on the first attempt: of the data build), the first checkpoint
		// write after a random step of the sweep, or a random moment after
		// it (now and then a SIGTERM); once every run is finished, a
		// random moment of the analysis.
		mode, sig := "none", syscall.SIGKILL
		var cond func() bool
		var delay time.Duration
		poll := 2 * time.Millisecond
		var p *proc
		switch r := rng.Float64(); {
		case st.kills >= kills:
		case done == total || st.kills >= runKills:
			mode = "analysis"
			cond = func() bool { return strings.Contains(p.stdout.String(), "analysis: fitting") }
			delay = time.Duration(rng.Int64N(int64(ref.analyze)))
		case attempt <= 2 && !hasDataset(cache):
			mode, cond = "data build", func() bool { return true }
			delay = time.Duration(rng.Int64N(int64(ref.data)))
		case r < 0.1:
			mode, cond = "start", func() bool { return true }
			delay = time.Duration(rng.Int64N(int64(time.Second)))
		default:
			left := runKills - st.kills
			target := min(done+1+rng.IntN(max(1, 2*(total-done)/(left+1))), total)
			i, step := locate(ref.runs, target)
			run := ref.runs[i].Name
			dir := filepath.Join(out, run)
			// The write to catch is in this run or, after its last step,
			// in the next one.
			watch := ref.runs[i:min(i+2, len(ref.runs))]
			reached := func() bool {
				v := viewCheckpoints(dir)
				return v.newest() >= step || fileHas(filepath.Join(dir, "result.json"), `"finished"`)
			}
			if r < 0.7 {
				mode = fmt.Sprintf("checkpoint write after %s step %d", run, step)
				cond = func() bool {
					if !reached() {
						time.Sleep(time.Millisecond)
						return false
					}
					return len(added(beforeWriting, sweepWriting(out, watch))) > 0
				}
				delay = time.Duration(rng.Int64N(int64(300 * time.Microsecond)))
				poll = 0
			} else {
				mode, cond = fmt.Sprintf("after %s step %d", run, step), reached
				delay = time.Duration(rng.Int64N(int64(50 * time.Millisecond)))
				if rng.Float64() < 0.15 {
					sig = syscall.SIGTERM
				}
			}
		}

		p = startProc(t, "experiment", sweepArgs(out, cache, ckptSteps)...)
		sent := cond != nil && p.signalWhen(cond, delay, sig, poll, limit)
		o := p.wait(t, limit)
		msg := fmt.Sprintf("attempt %d (-checkpoint-steps %d, %d of %d steps done, %s %s): %s", attempt, ckptSteps, done, total, sigName(sig), mode, o)
		switch {
		case o.signal == syscall.SIGKILL && sent && sig == syscall.SIGKILL:
			st.kills++
			inCkpt := added(beforeWriting, sweepWriting(out, ref.runs))
			var temps []string
			for _, r := range ref.runs {
				temps = append(temps, tempFiles(filepath.Join(out, r.Name))...)
			}
			inOther := added(beforeTemps, append(temps, tempFiles(out)...))
			stdout := p.stdout.String()
			switch {
			case len(inCkpt) > 0:
				st.inCheckpoint++
				st.landed("checkpoint write")
				msg += fmt.Sprintf(", inside a checkpoint write (left %v)", inCkpt)
			case len(inOther) > 0:
				st.inOtherWrite++
				msg += fmt.Sprintf(", inside an atomic write (left %v)", inOther)
			}
			switch {
			case len(inCkpt) > 0:
			case !strings.Contains(stdout, "data: "):
				st.landed("data")
			case strings.Contains(stdout, "analysis: fitting"):
				st.landed("analysis")
			case strings.Contains(stdout, "sweep: grid"):
				st.landed("runs")
			default:
				st.landed("plan")
			}
		case sent && sig == syscall.SIGTERM && (o.code == 130 || o.signal == syscall.SIGTERM):
			st.sigterms++
		case o == outcome{}:
			finished = true
		default:
			require.FailNow(t, "unexpected end", "%s\nstdout:\n%s\nstderr:\n%s", msg, tail(p.stdout.String()), tail(p.stderr.String()))
		}
		t.Log(msg)
		checkSweepAttempt(t, out, ref, p)
	}
	checkSweepFinished(t, out, cache, ref)
	t.Logf("sweep: %d SIGKILLs (%d inside checkpoint writes, %d inside other atomic writes; by phase %v) and %d SIGTERMs in %d attempts, %.1f s; %d temporary files of killed writes left in the sweep folder (its report files)",
		st.kills, st.inCheckpoint, st.inOtherWrite, st.where, st.sigterms, st.attempts, time.Since(start).Seconds(), len(tempFiles(out)))
}

// runSweepRef runs the uninterrupted sweep and times its phases.
func runSweepRef(t *testing.T, dir, cache string) *sweepRef {
	t.Helper()
	ref := &sweepRef{dir: dir, keys: map[string][]string{}}
	p := startProc(t, "experiment", sweepArgs(dir, cache, 5)...)
	var analysisAt time.Duration
	p.signalWhen(func() bool {
		out := p.stdout.String()
		if ref.data == 0 && strings.Contains(out, "data: ") {
			ref.data = time.Since(p.start)
		}
		if ref.prep == 0 && strings.Contains(out, "sweep: grid") {
			ref.prep = time.Since(p.start)
		}
		if analysisAt == 0 && strings.Contains(out, "analysis: fitting") {
			analysisAt = time.Since(p.start)
		}
		return false
	}, 0, 0, 2*time.Millisecond, 5*time.Minute)
	o := p.wait(t, 5*time.Minute)
	require.Equal(t, outcome{}, o, "the uninterrupted sweep: %s\n%s\n%s", o, tail(p.stdout.String()), tail(p.stderr.String()))
	require.NotZero(t, ref.data)
	require.NotZero(t, ref.prep)
	require.NotZero(t, analysisAt)
	ref.analyze = time.Since(p.start) - analysisAt
	plan, err := experiment.ReadPlan(dir)
	require.NoError(t, err)
	ref.runs = plan.Runs
	for _, r := range ref.runs {
		ref.keys[r.Name] = readMetricsKeys(t, filepath.Join(dir, r.Name))
		require.Len(t, ref.keys[r.Name], r.Steps, r.Name)
	}
	ref.results = resultsBody(t, filepath.Join(dir, "results.json"))
	ref.analysis = analysisBody(t, filepath.Join(dir, "analysis.json"))
	return ref
}

// sweepProgress is the steps of the sweep safely done: every step of a
// finished run, up to the newest complete checkpoint of the others.
func sweepProgress(out string, runs []experiment.PlannedRun, views map[string]ckptView) int {
	done := 0
	for _, r := range runs {
		if fileHas(filepath.Join(out, r.Name, "result.json"), `"finished"`) {
			done += r.Steps
		} else {
			done += views[r.Name].newest()
		}
	}
	return done
}

// locate gives the index of the run and its step at which the sweep has done step
// (counted over the runs in the plan's order, the order one device trains
// them in).
func locate(runs []experiment.PlannedRun, step int) (int, int) {
	for i, r := range runs {
		if step <= r.Steps {
			return i, step
		}
		step -= r.Steps
	}
	return len(runs) - 1, runs[len(runs)-1].Steps
}

// sweepWriting lists the checkpoint writes in progress in every run.
func sweepWriting(out string, runs []experiment.PlannedRun) []string {
	var w []string
	for _, r := range runs {
		w = append(w, prefixed(r.Name, viewCheckpoints(filepath.Join(out, r.Name)).writing())...)
	}
	return w
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + "/" + n
	}
	return out
}

// hasDataset says whether a dataset was built in cache (a build in
// progress is a hidden .build-* folder).
func hasDataset(cache string) bool {
	ents, _ := os.ReadDir(filepath.Join(cache, "datasets"))
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			return true
		}
	}
	return false
}

// fileHas says whether path exists and contains s.
func fileHas(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && bytes.Contains(b, []byte(s))
}

// resultsBody is results.json without its provenance (command, version)
// and the runs' wall times, as JSON whose numbers keep their exact text.
func resultsBody(t *testing.T, path string) string {
	t.Helper()
	var doc struct {
		Grid json.RawMessage              `json:"grid"`
		Runs []map[string]json.RawMessage `json:"runs"`
	}
	require.True(t, jsonFile(t, path, &doc), "%s is missing", path)
	for _, r := range doc.Runs {
		delete(r, "wall_seconds")
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return string(b)
}

// analysisBody is analysis.json without its provenance (command, time).
func analysisBody(t *testing.T, path string) string {
	t.Helper()
	var doc map[string]json.RawMessage
	require.True(t, jsonFile(t, path, &doc), "%s is missing", path)
	body, ok := doc["analysis"]
	require.True(t, ok, "%s has no analysis", path)
	var b bytes.Buffer
	require.NoError(t, json.Compact(&b, body))
	return b.String()
}

// finishedEntry is one run's result less its wall time, for comparison.
func finishedEntry(t *testing.T, raw map[string]json.RawMessage) string {
	t.Helper()
	delete(raw, "wall_seconds")
	b, err := json.Marshal(raw)
	require.NoError(t, err)
	return string(b)
}

// checkSweepAttempt checks the sweep folder after an attempt, however it
// ended: whole metrics files with the reference's rows, valid JSON
// everywhere, finished results and any analysis equal to the reference's,
// no run left to another (dead) process, no damaged checkpoint, no failure.
func checkSweepAttempt(t *testing.T, out string, ref *sweepRef, p *proc) {
	t.Helper()
	stdout, stderr := p.stdout.String(), p.stderr.String()
	require.NotContains(t, stdout, "busy ", "a run was left to a killed process:\n%s", tail(stdout))
	require.NotContains(t, stdout, "FAILED", tail(stdout))
	require.NotContains(t, stdout+stderr, "damaged", "a kill must never damage a checkpoint:\n%s", tail(stderr))
	refRuns := map[string]map[string]json.RawMessage{}
	var refDoc struct {
		Runs []map[string]json.RawMessage `json:"runs"`
	}
	require.NoError(t, json.Unmarshal([]byte(ref.results), &refDoc))
	for _, r := range refDoc.Runs {
		var name string
		require.NoError(t, json.Unmarshal(r["name"], &name))
		refRuns[name] = r
	}
	for _, r := range ref.runs {
		dir := filepath.Join(out, r.Name)
		checkMetrics(t, dir, ref.keys[r.Name])
		var res map[string]json.RawMessage
		if jsonFile(t, filepath.Join(dir, "result.json"), &res) && strings.Contains(string(res["status"]), experiment.StatusFinished) {
			res["name"] = refRuns[r.Name]["name"]
			require.Equal(t, finishedEntry(t, refRuns[r.Name]), finishedEntry(t, res), "%s/result.json", r.Name)
		}
		var v map[string]any
		jsonFile(t, filepath.Join(dir, "config.json"), &v)
	}
	var v map[string]any
	jsonFile(t, filepath.Join(out, "plan.json"), &v)
	var rs struct {
		Runs []map[string]json.RawMessage `json:"runs"`
	}
	if jsonFile(t, filepath.Join(out, "results.json"), &rs) {
		for _, r := range rs.Runs {
			var name, status string
			require.NoError(t, json.Unmarshal(r["name"], &name))
			require.NoError(t, json.Unmarshal(r["status"], &status))
			switch status {
			case experiment.StatusFinished:
				require.Equal(t, finishedEntry(t, refRuns[name]), finishedEntry(t, r), "results.json entry %s", name)
			case experiment.StatusPending, experiment.StatusRunning:
			default:
				require.FailNow(t, "bad status", "results.json: %s is %s", name, status)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "analysis.json")); err == nil {
		require.Equal(t, ref.analysis, analysisBody(t, filepath.Join(out, "analysis.json")), "analysis.json")
	}
}

// checkSweepFinished compares the finished sweep with the reference and
// checks that nothing of the kills is left: locks, unfinished checkpoints,
// build folders.
func checkSweepFinished(t *testing.T, out, cache string, ref *sweepRef) {
	t.Helper()
	require.Equal(t, ref.results, resultsBody(t, filepath.Join(out, "results.json")), "results.json")
	require.Equal(t, ref.analysis, analysisBody(t, filepath.Join(out, "analysis.json")), "analysis.json")
	require.FileExists(t, filepath.Join(out, "report.md"))
	for _, r := range ref.runs {
		dir := filepath.Join(out, r.Name)
		require.Equal(t, r.Steps, checkMetrics(t, dir, ref.keys[r.Name]), "%s: every step", r.Name)
		require.NoFileExists(t, filepath.Join(dir, experiment.RunLockFile))
		checkFinishedCheckpoints(t, dir, r.Steps)
	}
	builds, _ := filepath.Glob(filepath.Join(cache, "datasets", ".build-*"))
	require.Empty(t, builds, "build folders of killed data builds are left")
}
