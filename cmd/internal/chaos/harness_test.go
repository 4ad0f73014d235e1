package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/internal/atomicfile"
)

// Environment switches of the chaos test.
const (
	envOn    = "CHAOS"       // 1 runs the test (make test-chaos)
	envSeed  = "CHAOS_SEED"  // the kill plan's seed (default: the clock)
	envKills = "CHAOS_KILLS" // SIGKILLs per command (default 12)
)

// bins holds the train and experiment binaries, built once by TestMain.
var bins string

func TestMain(m *testing.M) {
	if os.Getenv(envOn) != "1" {
		os.Exit(m.Run()) // every test skips
	}
	dir, err := os.MkdirTemp("", "chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator),
		"github.com/empirical-scaling/harness/cmd/train", "github.com/empirical-scaling/harness/cmd/experiment")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "chaos: go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	fmt.Printf("chaos: built train and experiment in %.1f s\n", time.Since(start).Seconds())
	bins = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// setup skips the test unless CHAOS=1 and returns the seeded random
// source of the kill plan and the SIGKILLs to deliver.
func setup(t *testing.T) (*rand.Rand, int) {
	t.Helper()
	if os.Getenv(envOn) != "1" {
		t.Skipf("the chaos test kills the train and experiment commands for minutes: set %s=1 to run it (make test-chaos)", envOn)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envSeed); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "%s=%q: want a non-negative integer", envSeed, s)
		seed = v
	}
	kills := 12
	if s := os.Getenv(envKills); s != "" {
		v, err := strconv.Atoi(s)
		require.NoError(t, err, "%s=%q", envKills, s)
		require.Positive(t, v, envKills)
		kills = v
	}
	t.Logf("chaos seed %d (%s=%d repeats this kill plan; the moments a process reaches are up to the machine), %d SIGKILLs",
		seed, envSeed, seed, kills)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), kills
}

// syncBuffer is a bytes.Buffer safe for a child's output and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is one attempt: a running command.
type proc struct {
	cmd            *exec.Cmd
	start          time.Time
	stdout, stderr syncBuffer
	done           chan struct{}
	err            error
}

func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(filepath.Join(bins, bin), args...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.start = time.Now()
	require.NoError(t, p.cmd.Start())
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// outcome is how an attempt ended.
type outcome struct {
	signal syscall.Signal // the signal that ended it, or 0
	code   int            // its exit status when no signal ended it
}

func (o outcome) String() string {
	if o.signal != 0 {
		return "ended by " + sigName(o.signal)
	}
	return fmt.Sprintf("exit status %d", o.code)
}

// wait waits for the attempt to end (failing the test after limit: a
// stuck command) and says how it ended.
func (p *proc) wait(t *testing.T, limit time.Duration) outcome {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit - time.Since(p.start)):
		p.cmd.Process.Kill()
		<-p.done
		require.FailNowf(t, "stuck", "%s ran for over %v\nstdout:\n%s\nstderr:\n%s", p.cmd, limit, tail(p.stdout.String()), tail(p.stderr.String()))
	}
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	if ws.Signaled() {
		return outcome{signal: ws.Signal()}
	}
	return outcome{code: ws.ExitStatus()}
}

// signalWhen polls every poll (0: without pause) until cond says the moment has come, waits
// delay more, and sends sig; it returns false when the process ended by
// itself first. It gives up after limit (the caller's wait then reports
// the stuck command).
func (p *proc) signalWhen(cond func() bool, delay time.Duration, sig syscall.Signal, poll, limit time.Duration) bool {
	for !cond() {
		if p.exited() || time.Since(p.start) > limit {
			return false
		}
		if poll > 0 {
			time.Sleep(poll)
		} else {
			runtime.Gosched()
		}
	}
	if delay > 0 {
		select {
		case <-p.done:
			return false
		case <-time.After(delay):
		}
	}
	if p.exited() {
		return false
	}
	return p.cmd.Process.Signal(sig) == nil
}

// sigName is a signal's name as kill(1) writes it.
func sigName(s syscall.Signal) string {
	switch s {
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// tail is the end of a long output, for failure messages.
func tail(s string) string {
	const n = 4000
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// ckptView is what a run folder's checkpoints look like at one moment.
type ckptView struct {
	complete   []int    // steps whose folder has state.json, ascending
	unfinished []int    // steps whose folder has none, ascending
	damaged    []string // folders set aside as damaged
	temps      []string // temporary files inside checkpoint folders
}

// newest is the newest complete checkpoint's step, or 0.
func (v ckptView) newest() int {
	if len(v.complete) == 0 {
		return 0
	}
	return v.complete[len(v.complete)-1]
}

// writing lists what a checkpoint write in progress leaves: unfinished
// folders and temporary files.
func (v ckptView) writing() []string {
	out := append([]string(nil), v.temps...)
	for _, s := range v.unfinished {
		out = append(out, fmt.Sprintf("step-%08d", s))
	}
	return out
}

func viewCheckpoints(runDir string) ckptView {
	var v ckptView
	root := filepath.Join(runDir, "checkpoints")
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".damaged") {
			v.damaged = append(v.damaged, name)
			continue
		}
		s, ok := strings.CutPrefix(name, "step-")
		n, err := strconv.Atoi(s)
		if !ok || err != nil || !e.IsDir() {
			continue
		}
		files, _ := os.ReadDir(filepath.Join(root, name))
		done := false
		for _, f := range files {
			switch {
			case f.Name() == "state.json":
				done = true
			case atomicfile.IsTemp(f.Name()):
				v.temps = append(v.temps, filepath.Join(name, f.Name()))
			}
		}
		if done {
			v.complete = append(v.complete, n)
		} else {
			v.unfinished = append(v.unfinished, n)
		}
	}
	sort.Ints(v.complete)
	sort.Ints(v.unfinished)
	return v
}

// tempFiles lists the atomic writers' temporary files directly in dir.
func tempFiles(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if atomicfile.IsTemp(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// added lists the elements of after not in before.
func added(before, after []string) []string {
	seen := map[string]bool{}
	for _, s := range before {
		seen[s] = true
	}
	var out []string
	for _, s := range after {
		if !seen[s] {
			out = append(out, s)
		}
	}
	return out
}

// metricsKey is the part of a metrics.csv row that must be bit-identical
// between runs: step, tokens, lr, train_loss, val_loss, grad_norm (the
// last two columns are timings).
func metricsKey(line string) string {
	f := strings.Split(line, ",")
	if len(f) < 6 {
		return line
	}
	return strings.Join(f[:6], ",")
}

// readMetricsKeys reads a finished run's metrics.csv as its rows' keys.
func readMetricsKeys(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	keys := make([]string, 0, len(lines)-1)
	for _, l := range lines[1:] {
		keys = append(keys, metricsKey(l))
	}
	return keys
}

// checkMetrics checks dir/metrics.csv, when present, against the
// uninterrupted run's rows ref: a whole header, whole lines of 8 columns,
// steps 1, 2, ... each once, and each row's losses equal to ref's as
// exact strings. It returns the rows it holds.
func checkMetrics(t *testing.T, dir string, ref []string) int {
	t.Helper()
	path := filepath.Join(dir, "metrics.csv")
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	s := string(b)
	require.True(t, strings.HasSuffix(s, "\n"), "%s ends in a torn line: %q", path, s[max(0, len(s)-80):])
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	require.Equal(t, "step,tokens,lr,train_loss,val_loss,grad_norm,tokens_per_sec,elapsed_sec", lines[0], "%s header", path)
	rows := lines[1:]
	require.LessOrEqual(t, len(rows), len(ref), "%s has more rows than the run has steps", path)
	for i, l := range rows {
		require.Len(t, strings.Split(l, ","), 8, "%s line %d is torn: %q", path, i+2, l)
		step, err := strconv.Atoi(strings.SplitN(l, ",", 2)[0])
		require.NoError(t, err, "%s line %d: %q", path, i+2, l)
		require.Equal(t, i+1, step, "%s: row %d is step %d: a step lost or written twice", path, i+1, step)
		require.Equal(t, ref[i], metricsKey(l), "%s: step %d differs from the uninterrupted run", path, step)
	}
	return len(rows)
}

// jsonFile reads path, which must hold valid JSON when present; ok is
// false when it does not exist.
func jsonFile(t *testing.T, path string, v any) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false
	}
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v), "%s is not valid JSON: %q", path, tail(string(b)))
	return true
}

// checkFallback checks that a run which had a complete checkpoint before
// an attempt and wrote a newer one still has an older complete one to
// fall back on should the newest be damaged, whenever the attempt was
// stopped.
func checkFallback(t *testing.T, runDir string, before, after ckptView) {
	t.Helper()
	if len(before.complete) == 0 || after.newest() <= before.newest() {
		return
	}
	require.GreaterOrEqual(t, len(after.complete), 2,
		"%s: checkpoint step-%08d has no complete checkpoint before it to fall back on (complete %v, unfinished %v)",
		runDir, after.newest(), after.complete, after.unfinished)
}

// checkFinishedCheckpoints checks a finished run's folder: the last
// checkpoint and the fallback before it, both complete, nothing
// unfinished, damaged or half-written left, one event file.
func checkFinishedCheckpoints(t *testing.T, runDir string, steps int) {
	t.Helper()
	v := viewCheckpoints(runDir)
	require.Empty(t, v.unfinished, "%s: unfinished checkpoint folders left", runDir)
	require.Empty(t, v.damaged, "%s: a kill left a damaged checkpoint", runDir)
	require.Empty(t, v.temps, "%s: temporary files left in checkpoint folders", runDir)
	require.NotEmpty(t, v.complete, runDir)
	require.LessOrEqual(t, len(v.complete), 2, "%s keeps the last checkpoint and the one before it: %v", runDir, v.complete)
	require.Equal(t, steps, v.newest(), "%s: the last checkpoint is the last step", runDir)
	events, _ := filepath.Glob(filepath.Join(runDir, "events.out.tfevents.*"))
	require.Len(t, events, 1, "%s: one TensorBoard event file", runDir)
	require.Empty(t, tempFiles(runDir), "%s: temporary files of killed writes left", runDir)
}
