// Package runprogress shows training progress for the commands: a
// redrawn progress bar when the output is a terminal, and otherwise (a log
// file, a Slurm job, CI) a plain line every few seconds, which reads well
// in a file where carriage-return redraws do not.
package runprogress

import (
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/empirical-scaling/harness/experiment"
)

// DefaultEvery is how often a plain progress line is printed.
const DefaultEvery = 10 * time.Second

// IsTerminal reports whether w is a terminal (a carriage return redraws
// a line there).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Reporter turns a run's experiment.Progress into output on w. It is safe
// for concurrent use (several runs of a sweep at once); with Bar off, or
// when runs overlap, it prints plain lines.
type Reporter struct {
	mu    sync.Mutex
	w     io.Writer
	bar   bool          // redraw a bar (w is a terminal)
	every time.Duration // between plain lines of one run
	now   func() time.Time

	cur  *progressbar.ProgressBar // the bar being drawn
	run  string                   // whose bar
	last map[string]time.Time     // when each run's last plain line was printed
}

// New reports on w: with a redrawn bar when bar is set, else with a plain
// line at most every every (DefaultEvery when 0) per run, plus the last step.
func New(w io.Writer, bar bool, every time.Duration) *Reporter {
	if every <= 0 {
		every = DefaultEvery
	}
	return &Reporter{w: w, bar: bar, every: every, now: time.Now, last: map[string]time.Time{}}
}

// ForTerminal is New(w, IsTerminal(w), DefaultEvery).
func ForTerminal(w io.Writer) *Reporter { return New(w, IsTerminal(w), DefaultEvery) }

// Step is an experiment.RunConfig.OnStep.
func (r *Reporter) Step(p experiment.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bar {
		r.drawBar(p)
		return
	}
	if p.Done {
		delete(r.last, p.Run)
		return
	}
	t := r.now()
	// A run's first step, then one line per period, and its last step.
	if last, seen := r.last[p.Run]; seen && t.Sub(last) < r.every && p.Step < p.Steps {
		return
	}
	r.last[p.Run] = t
	fmt.Fprintln(r.w, Line(p))
}

// drawBar redraws the run's bar; a run that stops ends the bar's line.
func (r *Reporter) drawBar(p experiment.Progress) {
	if r.cur != nil && r.run != p.Run {
		r.endBar()
	}
	if p.Done {
		if r.run == p.Run {
			r.endBar()
		}
		return
	}
	if r.cur == nil {
		r.run = p.Run
		r.cur = progressbar.NewOptions(p.Steps,
			progressbar.OptionSetWriter(r.w),
			progressbar.OptionSetDescription("training"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetWidth(20),
		)
		_ = r.cur.Set(p.StartStep)
	}
	r.cur.Describe(fmt.Sprintf("train loss %.4f | %s tokens | %.0f tok/s | step", p.TrainLoss, HumanTokens(p.Tokens), p.TokensPerSec))
	_ = r.cur.Set(p.Step) // the bar shows the step count and the ETA
	if p.Step == p.Steps {
		_ = r.cur.Finish()
		r.endBar()
	}
}

func (r *Reporter) endBar() {
	if r.cur == nil {
		return
	}
	_ = r.cur.Exit()
	fmt.Fprintln(r.w)
	r.cur, r.run = nil, ""
}

// Close ends a bar left open (call it before printing after a run).
func (r *Reporter) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endBar()
}

// Line is the plain progress line of p.
func Line(p experiment.Progress) string {
	pct := 100 * float64(p.Step) / float64(max(p.Steps, 1))
	s := fmt.Sprintf("%s: step %d/%d (%.0f%%) | train loss %.4f", p.Run, p.Step, p.Steps, pct, p.TrainLoss)
	if !math.IsNaN(p.ValLoss) {
		s += fmt.Sprintf(" | val loss %.4f", p.ValLoss)
	}
	s += fmt.Sprintf(" | %s tokens | %.0f tok/s | %s", HumanTokens(p.Tokens), p.TokensPerSec, p.Elapsed.Round(time.Second))
	if done := p.Step - p.StartStep; done > 0 && p.Step < p.Steps {
		left := time.Duration(float64(p.Elapsed) / float64(done) * float64(p.Steps-p.Step))
		s += fmt.Sprintf(" elapsed, %s left", left.Round(time.Second))
	} else {
		s += " elapsed"
	}
	return s
}

// HumanTokens writes a token count as 950, 12.3K, 4.56M or 1.20B.
func HumanTokens(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
