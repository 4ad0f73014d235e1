package chaos

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// trainArgs is a run of a few seconds on the built-in synthetic stories:
// 118 steps of two accumulated micro-batches, evaluated every 20 steps,
// checkpointed every ckptEvery of wall time (1ns: after every step).
func trainArgs(out, cache, ckptEvery string) []string {
	return []string{"-params", "20K", "-activation", "swiglu", "-data", "synthetic", "-synthetic-bytes", "1M", "-vocab", "300",
		"-ctx", "32", "-batch", "16", "-micro", "8", "-tokens", "60K", "-eval-every", "20", "-eval-tokens", "2048",
		"-final-eval-tokens", "8192", "-device", "cpu", "-quiet", "-log", "warn",
		"-out", out, "-cache", cache, "-checkpoint-every", ckptEvery}
}

// chaosStats counts what the kills hit.
type chaosStats struct {
	attempts, kills, inCheckpoint, inOtherWrite, sigterms int
	where                                                 map[string]int // kills by the phase they hit
}

func (s *chaosStats) landed(phase string) {
	if s.where == nil {
		s.where = map[string]int{}
	}
	s.where[phase]++
}

// TestChaosTrain kills train with SIGKILL at random moments, many of them
// inside checkpoint writes, reruns it until it finishes, and checks after
// every attempt that metrics.csv holds every step once with the
// uninterrupted run's losses, and at the end that the result equals the
// uninterrupted run's bit for bit. The checkpoint cadence changes from
// attempt to attempt (every step, 20 ms, 100 ms): where checkpoints fall
// must not change a single bit.
func TestChaosTrain(t *testing.T) {
	rng, kills := setup(t)
	start := time.Now()
	root := t.TempDir()
	cache := filepath.Join(root, "cache")

	ref := filepath.Join(root, "ref")
	p := startProc(t, "train", trainArgs(ref, cache, "5m")...)
	o := p.wait(t, 5*time.Minute)
	require.Equal(t, outcome{}, o, "the uninterrupted run: %s\n%s", o, tail(p.stderr.String()))
	refWall := time.Since(p.start)
	refKeys := readMetricsKeys(t, ref)
	var refRes map[string]json.RawMessage
	require.True(t, jsonFile(t, filepath.Join(ref, "result.json"), &refRes))
	steps := len(refKeys)
	t.Logf("uninterrupted run: %d steps in %.1f s (data built)", steps, refWall.Seconds())

	st := &chaosStats{}
	limit := max(2*time.Minute, 20*refWall)
	for round := 1; st.kills < kills; round++ {
		out := filepath.Join(root, fmt.Sprintf("run-%d", round))
		chaosTrainRound(t, rng, st, kills, out, cache, refKeys, limit)
		checkTrainFinished(t, out, refKeys, refRes)
	}
	t.Logf("train: %d SIGKILLs (%d inside checkpoint writes, %d inside other atomic writes; by phase %v) and %d SIGTERMs in %d attempts, %.1f s",
		st.kills, st.inCheckpoint, st.inOtherWrite, st.where, st.sigterms, st.attempts, time.Since(start).Seconds())
}

// chaosTrainRound trains one run in out under kills until it finishes.
func chaosTrainRound(t *testing.T, rng *rand.Rand, st *chaosStats, kills int, out, cache string, refKeys []string, limit time.Duration) {
	steps := len(refKeys)
	for attempt := 1; ; attempt++ {
		require.Less(t, attempt, 10*kills+20, "the run makes no progress under kills")
		st.attempts++
		before := viewCheckpoints(out)
		beforeTemps := tempFiles(out)
		resumed := before.newest()
		every := []string{"1ns", "20ms", "100ms", "100ms"}[rng.IntN(4)]
		left := kills - st.kills

		// The kill plan of this attempt: a random moment of the start
		// (data, model, resume), the first checkpoint write after a random
		// step, or a random moment after a random step (a SIGTERM now and
		// then: the graceful path must resume as exactly).
		mode, sig := "none", syscall.SIGKILL
		var cond func() bool
		var delay time.Duration
		poll := time.Millisecond
		target := min(resumed+1+rng.IntN(max(1, 2*(steps-resumed)/(left+1))), steps)
		switch r := rng.Float64(); {
		case left == 0:
		case r < 0.2:
			mode, cond = "start", func() bool { return true }
			delay = time.Duration(rng.Int64N(int64(400 * time.Millisecond)))
		case r < 0.65:
			target = min(target, steps-1)
			mode = fmt.Sprintf("checkpoint write after step %d", target)
			// Polled without pause once the step is reached: a write
			// lasts a few milliseconds.
			cond = func() bool {
				v := viewCheckpoints(out)
				if v.newest() < target {
					time.Sleep(time.Millisecond)
					return false
				}
				return len(added(before.writing(), v.writing())) > 0
			}
			delay = time.Duration(rng.Int64N(int64(300 * time.Microsecond)))
			poll = 0
		default:
			mode = fmt.Sprintf("after step %d", target)
			cond = func() bool { return viewCheckpoints(out).newest() >= target }
			delay = time.Duration(rng.Int64N(int64(50 * time.Millisecond)))
			if rng.Float64() < 0.15 {
				sig = syscall.SIGTERM
			}
		}

		p := startProc(t, "train", trainArgs(out, cache, every)...)
		sent := cond != nil && p.signalWhen(cond, delay, sig, poll, limit)
		o := p.wait(t, limit)
		msg := fmt.Sprintf("attempt %d (-checkpoint-every %s, resuming at step %d, %s %s): %s", attempt, every, resumed, sigName(sig), mode, o)
		switch {
		case o.signal == syscall.SIGKILL && sent && sig == syscall.SIGKILL:
			st.kills++
			after := viewCheckpoints(out)
			inCkpt := added(before.writing(), after.writing())
			inOther := added(beforeTemps, tempFiles(out))
			switch {
			case len(inCkpt) > 0:
				st.inCheckpoint++
				st.landed("checkpoint write")
				msg += fmt.Sprintf(", inside a checkpoint write (left %v)", inCkpt)
			case len(inOther) > 0:
				st.inOtherWrite++
				st.landed("other atomic write")
				msg += fmt.Sprintf(", inside an atomic write (left %v)", inOther)
			case after.newest() > resumed:
				st.landed("training")
			default:
				st.landed("start-up")
			}
		case sent && sig == syscall.SIGTERM && (o.code == 130 || o.signal == syscall.SIGTERM):
			// 130: checkpointed and stopped; killed by SIGTERM: it came
			// before the handler was installed, which is a kill too.
			st.sigterms++
		case o == outcome{}:
		default:
			require.FailNow(t, "unexpected end", "%s\nstderr:\n%s", msg, tail(p.stderr.String()))
		}
		t.Log(msg)
		require.NotContains(t, p.stderr.String(), "damaged", "a kill must never damage a checkpoint")
		checkMetrics(t, out, refKeys)
		checkFallback(t, out, before, viewCheckpoints(out))
		var v map[string]any
		jsonFile(t, filepath.Join(out, "config.json"), &v)
		jsonFile(t, filepath.Join(out, "result.json"), &v)
		if o == (outcome{}) {
			require.Contains(t, p.stdout.String(), "val loss     final", msg)
			return
		}
	}
}

// checkTrainFinished compares a finished run in out with the
// uninterrupted one: every metrics row, the final and best losses, the
// curve and the token counts as exact strings.
func checkTrainFinished(t *testing.T, out string, refKeys []string, refRes map[string]json.RawMessage) {
	t.Helper()
	require.Equal(t, len(refKeys), checkMetrics(t, out, refKeys), "%s: every step", out)
	var res map[string]json.RawMessage
	require.True(t, jsonFile(t, filepath.Join(out, "result.json"), &res))
	for _, k := range []string{"status", "final_val_loss", "best_val_loss", "curve", "tokens", "val_tokens", "params", "compute"} {
		require.Equal(t, strings.TrimSpace(string(refRes[k])), strings.TrimSpace(string(res[k])), "%s: result.json %s", out, k)
	}
	checkFinishedCheckpoints(t, out, len(refKeys))
}
