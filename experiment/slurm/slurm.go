// Package slurm fans a planned sweep out over a Slurm cluster: it writes
// the job-array script (one task per unfinished run, the same `experiment
// run` entry point) and the analysis script, submits them with sbatch, and
// reads the jobs' states back from squeue and sacct. The scheduler is the
// cluster's; this package only talks to it through its commands.
package slurm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/internal/atomicfile"
)

// Files written into the sweep folder's slurm/ subfolder.
const (
	Subdir        = "slurm"
	SweepScript   = "sweep.sbatch"
	AnalyzeScript = "analyze.sbatch"
	JobsFile      = "jobs.json"
)

// Options are the resources and settings of a submission.
type Options struct {
	Binary      string   // absolute path of the experiment binary on the shared filesystem
	Dir         string   // absolute sweep folder
	Grid        string   // for the job names
	Device      string   // cpu or cuda, passed to every task
	CacheDir    string   // data cache of the tasks ("" = their user cache folder)
	Partition   string   // "" = the cluster's default
	GPUsPerRun  int      // --gres=gpu:N per task (0: none)
	CPUsPerRun  int      // --cpus-per-task (0: Slurm's default)
	Time        string   // --time per task, HH:MM:SS ("" = the partition's limit)
	MaxParallel int      // the array's %K throttle (0: none)
	ExtraArgs   []string // more #SBATCH lines, e.g. --account=foo
	// RunArgs are more flags for every `experiment run` (e.g. -checkpoint-steps 20).
	RunArgs []string
	// AnalyzeArgs are more flags for the analysis (e.g. -boot 200).
	AnalyzeArgs []string
	// LockWait is how long a task waits for a run still locked by a
	// process that is gone (its lock goes stale after the heartbeat timeout).
	LockWait time.Duration
}

// ArraySpec writes task indices as a Slurm --array value: ranges joined by
// commas, with the %K throttle.
func ArraySpec(indices []int, maxParallel int) string {
	idx := append([]int(nil), indices...)
	sort.Ints(idx)
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(idx[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[i], idx[j]))
		}
		i = j + 1
	}
	s := strings.Join(parts, ",")
	if maxParallel > 0 {
		s += fmt.Sprintf("%%%d", maxParallel)
	}
	return s
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '-' || r == '_' || r == '.' || r == ':' || r == '=' || r == ',' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func header(b *bytes.Buffer, o Options, name, output string) {
	fmt.Fprintf(b, "#!/bin/bash\n#SBATCH --job-name=%s\n#SBATCH --output=%s\n#SBATCH --open-mode=append\n", name, output)
	if o.Partition != "" {
		fmt.Fprintf(b, "#SBATCH --partition=%s\n", o.Partition)
	}
	for _, a := range o.ExtraArgs {
		fmt.Fprintf(b, "#SBATCH %s\n", a)
	}
}

// SweepScriptText is the job-array script over indices: every task runs
// `experiment run -out DIR` for $SLURM_ARRAY_TASK_ID. The shell execs the
// binary, so the batch-script signal (--signal=B:TERM@120, two minutes
// before the time limit) reaches it and it checkpoints; --requeue puts a
// task whose node failed or which was preempted back in the queue; the
// log of run I is slurm/logs/run-I.log, appended to across attempts.
func SweepScriptText(o Options, indices []int) string {
	var b bytes.Buffer
	header(&b, o, "scaling-"+o.Grid, filepath.Join(o.Dir, Subdir, "logs", "run-%a.log"))
	fmt.Fprintf(&b, "#SBATCH --array=%s\n#SBATCH --signal=B:TERM@120\n#SBATCH --requeue\n", ArraySpec(indices, o.MaxParallel))
	if o.CPUsPerRun > 0 {
		fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", o.CPUsPerRun)
	}
	if o.GPUsPerRun > 0 {
		fmt.Fprintf(&b, "#SBATCH --gres=gpu:%d\n", o.GPUsPerRun)
	}
	if o.Time != "" {
		fmt.Fprintf(&b, "#SBATCH --time=%s\n", o.Time)
	}
	args := []string{shellQuote(o.Binary), "run", "-out", shellQuote(o.Dir), "-device", o.Device, "-quiet",
		"-lock-wait", o.LockWait.String()}
	if o.CacheDir != "" {
		args = append(args, "-cache", shellQuote(o.CacheDir))
	}
	for _, a := range o.RunArgs {
		args = append(args, shellQuote(a))
	}
	fmt.Fprintf(&b, "\n# Run $SLURM_ARRAY_TASK_ID of %s; exec, so that Slurm's signals reach it.\nexec %s\n",
		filepath.Join(o.Dir, "plan.json"), strings.Join(args, " "))
	return b.String()
}

// AnalyzeScriptText is the analysis job's script; arrayJob is the job id
// of the array it waits for (afterany: it runs whatever the tasks' fate,
// and leaves out the runs that did not finish).
func AnalyzeScriptText(o Options, arrayJob string) string {
	var b bytes.Buffer
	header(&b, o, "scaling-"+o.Grid+"-analysis", filepath.Join(o.Dir, Subdir, "logs", "analyze-%j.log"))
	fmt.Fprintf(&b, "#SBATCH --dependency=afterany:%s\n#SBATCH --cpus-per-task=%d\n", arrayJob, max(1, o.CPUsPerRun))
	args := []string{shellQuote(o.Binary), "analyze", "-out", shellQuote(o.Dir)}
	for _, a := range o.AnalyzeArgs {
		args = append(args, shellQuote(a))
	}
	fmt.Fprintf(&b, "\nexec %s\n", strings.Join(args, " "))
	return b.String()
}

// Submission is what Submit did, kept in slurm/jobs.json for status.
type Submission struct {
	ArrayJob    string    `json:"array_job"`
	AnalysisJob string    `json:"analysis_job"`
	Indices     []int     `json:"indices"`
	Submitted   time.Time `json:"submitted"`
}

// Runner runs a command and returns its standard output (exec by default;
// tests replace it).
type Runner func(ctx context.Context, name string, args ...string) (string, error)

// Exec runs a command on this machine.
func Exec(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return out.String(), nil
}

// Plan writes the two scripts for indices into Dir/slurm/ and returns
// their paths and the sbatch command lines that submit them (the
// analysis's dependency names the array job as ARRAY_JOB_ID until it is
// known).
func Plan(o Options, indices []int) (sweep, analyze string, cmds [][]string, err error) {
	dir := filepath.Join(o.Dir, Subdir)
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return "", "", nil, fmt.Errorf("slurm: %w", err)
	}
	sweep, analyze = filepath.Join(dir, SweepScript), filepath.Join(dir, AnalyzeScript)
	if err := atomicfile.WriteFile(sweep, []byte(SweepScriptText(o, indices))); err != nil {
		return "", "", nil, fmt.Errorf("slurm: %w", err)
	}
	if err := atomicfile.WriteFile(analyze, []byte(AnalyzeScriptText(o, "ARRAY_JOB_ID"))); err != nil {
		return "", "", nil, fmt.Errorf("slurm: %w", err)
	}
	cmds = [][]string{
		{"sbatch", "--parsable", sweep},
		{"sbatch", "--parsable", "--dependency=afterany:ARRAY_JOB_ID", analyze},
	}
	return sweep, analyze, cmds, nil
}

// Submit writes the scripts, submits the array and then the analysis
// (rewritten with the array's job id), and records both in slurm/jobs.json.
func Submit(ctx context.Context, run Runner, o Options, indices []int) (*Submission, error) {
	sweep, analyze, _, err := Plan(o, indices)
	if err != nil {
		return nil, err
	}
	out, err := run(ctx, "sbatch", "--parsable", sweep)
	if err != nil {
		return nil, fmt.Errorf("slurm: submit the array: %w", err)
	}
	s := &Submission{ArrayJob: jobID(out), Indices: indices, Submitted: time.Now().UTC().Truncate(time.Second)}
	if s.ArrayJob == "" {
		return nil, fmt.Errorf("slurm: sbatch printed no job id (%q)", out)
	}
	if err := atomicfile.WriteFile(analyze, []byte(AnalyzeScriptText(o, s.ArrayJob))); err != nil {
		return s, fmt.Errorf("slurm: %w", err)
	}
	out, err = run(ctx, "sbatch", "--parsable", "--dependency=afterany:"+s.ArrayJob, analyze)
	if err != nil {
		return s, fmt.Errorf("slurm: array job %s submitted, but the analysis was not: %w", s.ArrayJob, err)
	}
	s.AnalysisJob = jobID(out)
	b, _ := json.MarshalIndent(s, "", "  ")
	return s, atomicfile.WriteFile(filepath.Join(o.Dir, Subdir, JobsFile), append(b, '\n'))
}

// jobID is the job id in sbatch --parsable's output ("123" or "123;cluster").
func jobID(out string) string {
	id, _, _ := strings.Cut(strings.TrimSpace(out), ";")
	return id
}

// ReadSubmission reads dir/slurm/jobs.json; ok is false when there is none.
func ReadSubmission(dir string) (*Submission, bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, Subdir, JobsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var s Submission
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, false, fmt.Errorf("parse %s: %w", filepath.Join(dir, Subdir, JobsFile), err)
	}
	return &s, true, nil
}

// States are the Slurm states of a submission: per array task index, and
// of the analysis job.
type States struct {
	Tasks    map[int]string
	Analysis string
}

// Query asks squeue (queued and running jobs) and then sacct (finished
// ones, when accounting is enabled) for the states of s's jobs. Either
// command failing leaves its states out; both failing is an error.
func Query(ctx context.Context, run Runner, s *Submission) (States, error) {
	st := States{Tasks: map[int]string{}}
	ids := s.ArrayJob
	if s.AnalysisJob != "" {
		ids += "," + s.AnalysisJob
	}
	sq, err1 := run(ctx, "squeue", "-h", "-j", ids, "-o", "%i|%T")
	if err1 == nil {
		parseStates(sq, s, &st, false)
	}
	sa, err2 := run(ctx, "sacct", "-n", "-X", "-P", "-j", ids, "-o", "JobID,State")
	if err2 == nil {
		parseStates(sa, s, &st, true)
	}
	if err1 != nil && err2 != nil {
		return st, errors.Join(err1, err2)
	}
	return st, nil
}

// parseStates reads lines "123_4|RUNNING", "123_[5-7%2]|PENDING" or
// "124|PENDING". squeue's states win over sacct's (keepOld).
func parseStates(out string, s *Submission, st *States, keepOld bool) {
	for _, line := range strings.Split(out, "\n") {
		id, state, ok := strings.Cut(strings.TrimSpace(line), "|")
		if !ok {
			continue
		}
		state, _, _ = strings.Cut(state, " ") // "CANCELLED by 0"
		if id == s.AnalysisJob {
			if !keepOld || st.Analysis == "" {
				st.Analysis = state
			}
			continue
		}
		job, task, ok := strings.Cut(id, "_")
		if !ok || job != s.ArrayJob {
			continue
		}
		for _, i := range expandTasks(task) {
			if _, seen := st.Tasks[i]; !keepOld || !seen {
				st.Tasks[i] = state
			}
		}
	}
}

// expandTasks reads "4" or "[5-7,9%2]".
func expandTasks(t string) []int {
	t = strings.TrimSuffix(strings.TrimPrefix(t, "["), "]")
	t, _, _ = strings.Cut(t, "%")
	var out []int
	for _, part := range strings.Split(t, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out
}
