package experiment

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/internal/filelock"
)

// RunState is where one planned run stands, from its folder.
type RunState struct {
	Run PlannedRun
	// Status is StatusPending, StatusRunning (a live process holds its
	// lock), StatusFinished, StatusFailed or StatusDiverged.
	Status string
	// Holder is the process holding the run's lock (nil: none); a lock
	// whose holder is gone is reported with StaleLock set and the run as
	// pending.
	Holder    *filelock.Owner
	StaleLock bool
	// Step is the last step in metrics.csv and TrainLoss its training loss
	// (0 when none); Checkpoint the newest checkpoint's step.
	Step       int
	TrainLoss  float64
	Checkpoint int
	// ValLoss is a finished run's final validation loss, WallSeconds its
	// training time, Reason why a run failed or diverged.
	ValLoss     float64
	WallSeconds float64
	Reason      string
}

// SweepStatus reads plan.json in dir and the state of every run.
func SweepStatus(dir string) (*Plan, []RunState, error) {
	p, err := ReadPlan(dir)
	if err != nil {
		return nil, nil, err
	}
	out := make([]RunState, len(p.Runs))
	for i, r := range p.Runs {
		out[i] = runState(filepath.Join(dir, r.Name), r)
	}
	return p, out, nil
}

func runState(dir string, r PlannedRun) RunState {
	s := RunState{Run: r, Status: StatusPending}
	res, ok, err := readResult(dir)
	switch {
	case err != nil:
		s.Reason = err.Error()
	case ok:
		s.Status, s.Reason, s.ValLoss, s.WallSeconds = res.Status, res.Error, res.FinalLoss, res.WallSeconds
		if s.Status == StatusRunning {
			s.Status = StatusPending // interrupted, unless a live process holds the lock (below)
		}
	}
	if owner, _, alive, err := filelock.Read(filepath.Join(dir, RunLockFile), filelock.Options{}); err == nil {
		s.Holder = &owner
		s.StaleLock = !alive
		if alive && s.Status != StatusFinished {
			s.Status = StatusRunning
		}
	}
	if s.Status != StatusFinished {
		if steps, err := listCheckpoints(dir); err == nil && len(steps) > 0 {
			s.Checkpoint = steps[len(steps)-1]
		}
		s.Step, s.TrainLoss = lastMetricsRow(filepath.Join(dir, MetricsFile))
	}
	return s
}

// lastMetricsRow returns the step and training loss of metrics.csv's last
// row (zeros when there is none).
func lastMetricsRow(path string) (int, float64) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	var last string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			last = l
		}
	}
	cols := strings.Split(last, ",")
	if len(cols) < 4 {
		return 0, 0
	}
	step, err1 := strconv.Atoi(cols[0])
	loss, err2 := strconv.ParseFloat(cols[3], 64)
	if errors.Join(err1, err2) != nil {
		return 0, 0
	}
	return step, loss
}

// TimeLeft estimates the training time the unfinished runs still need
// (failed and diverged runs are not counted): the plan's estimates when it
// has them, otherwise the finished runs' time per FLOP; a running or
// checkpointed run counts for the steps it has left. basis says which.
// ok is false when there is nothing to estimate from.
func TimeLeft(p *Plan, states []RunState) (left time.Duration, basis string, ok bool) {
	var wall, flops float64
	for _, s := range states {
		if s.Status == StatusFinished && s.WallSeconds > 0 {
			wall += s.WallSeconds
			flops += s.Run.Compute
		}
	}
	useEst := p.hasEstimates()
	if !useEst && flops == 0 {
		return 0, "", false
	}
	var secs float64
	for _, s := range states {
		if s.Status != StatusPending && s.Status != StatusRunning {
			continue
		}
		done := max(s.Step, s.Checkpoint)
		if s.Status == StatusPending {
			done = s.Checkpoint // a pending run resumes from its checkpoint
		}
		frac := 1.0
		if s.Run.Steps > 0 {
			frac = max(0, 1-float64(done)/float64(s.Run.Steps))
		}
		per := s.Run.EstimatedSeconds
		if !useEst {
			per = s.Run.Compute * wall / flops
		}
		secs += per * frac
	}
	basis = "the plan's estimates"
	if !useEst {
		basis = "the finished runs' speed"
	}
	return time.Duration(secs * float64(time.Second)), basis, true
}
