package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
)

// estimateTokens is how many tokens one timed step of EstimateStep
// processes at most (fewer sequences than the run's batch when the batch
// is larger; the time is scaled up).
const estimateTokens = 2048

// StepTiming is the measured cost of training a shape on a device.
type StepTiming struct {
	Seqs    int           // sequences per timed step
	PerStep time.Duration // mean wall time of one step of Seqs sequences
}

// PerToken is the training time per token.
func (t StepTiming) PerToken(seqLen int) time.Duration {
	return time.Duration(float64(t.PerStep) / float64(t.Seqs*seqLen))
}

// EstimateStep times a few full training steps (forward, backward,
// AdamW) of a model of shape m on dev with random tokens: one warm-up
// step, then steps until minTime has passed (at most 8; at least 2, or 1
// when the warm-up step alone took longer than minTime).
// It uses min(batch, estimateTokens/T) sequences per step.
func EstimateStep(ctx context.Context, dev tensor.Device, m nn.Config, batch int, minTime time.Duration) (StepTiming, error) {
	seqs := max(1, min(batch, estimateTokens/m.SeqLen))
	model, err := nn.New(dev, m, 1)
	if err != nil {
		return StepTiming{}, fmt.Errorf("estimate %s: %w", m, err)
	}
	defer model.Free()
	var params []optim.Param
	for _, q := range model.Params() {
		params = append(params, optim.Param{Name: q.Name, T: q.T, Decay: q.Decay})
	}
	opt, err := optim.NewAdamW(dev, params, optim.DefaultsFor(m.Params().NonEmbedding).Hyper)
	if err != nil {
		return StepTiming{}, fmt.Errorf("estimate %s: %w", m, err)
	}
	defer opt.Free()
	n := seqs * m.SeqLen
	in, tg := make([]int32, n), make([]int32, n)
	for i := range in {
		in[i] = int32((i*7919 + 13) % m.Vocab)
		tg[i] = int32((i*104729 + 5) % m.Vocab)
	}
	ids, err := tensor.FromInt32(dev, in, seqs, m.SeqLen)
	if err != nil {
		return StepTiming{}, fmt.Errorf("estimate %s: %w", m, err)
	}
	defer ids.Free()
	tgts, err := tensor.FromInt32(dev, tg, seqs, m.SeqLen)
	if err != nil {
		return StepTiming{}, fmt.Errorf("estimate %s: %w", m, err)
	}
	defer tgts.Free()
	g := tensor.NewGraph(dev)
	defer g.Reset()
	step := func() error {
		if err := model.ZeroGrad(); err != nil {
			return err
		}
		g.Reset()
		l, err := model.Loss(g, ids, tgts, 1)
		if err != nil {
			return err
		}
		if _, err := l.Item(); err != nil {
			return err
		}
		if err := g.Backward(l); err != nil {
			return err
		}
		g.Reset()
		_, err = opt.Step(1e-4)
		return err
	}
	warm := time.Now()
	if err := step(); err != nil { // warm-up: allocations, caches
		return StepTiming{}, fmt.Errorf("estimate %s: %w", m, err)
	}
	want := 2
	if time.Since(warm) > minTime {
		want = 1 // a slow shape (a large model on a CPU): one timed step is enough
	}
	start, steps := time.Now(), 0
	for steps < want || (steps < 8 && time.Since(start) < minTime) {
		if err := ctx.Err(); err != nil {
			return StepTiming{}, err
		}
		if err := step(); err != nil {
			return StepTiming{}, fmt.Errorf("estimate %s: %w", m, err)
		}
		steps++
	}
	return StepTiming{Seqs: seqs, PerStep: time.Since(start) / time.Duration(steps)}, nil
}

// RunEstimate is one row of a dry run.
type RunEstimate struct {
	Spec    RunSpec
	Model   nn.Config
	Params  int64   // N
	Tokens  int64   // D (whole steps)
	Compute float64 // C
	Steps   int
	Batch   int
	Time    time.Duration
	Memory  MemoryEstimate // on the device, in the precision auto picks there
}

// estimateRun scales a step timing to a whole run: its training tokens
// plus its evaluations (a forward pass costs about a third of a training
// step per token).
func estimateRun(p plan, t StepTiming) time.Duration {
	perTok := float64(t.PerToken(p.Model.SeqLen))
	evals := float64(p.Steps/p.EvalEvery + 1)
	tok := float64(p.Tokens) + evals*float64(p.EvalTokens)/3
	return time.Duration(perTok * tok)
}

// DryRun resolves every run of the sweep c describes (without data: the
// grid's vocabulary is assumed), the first round of the learning-rate
// tuning first when c.TuneLR, and times a few training steps of each
// distinct shape on c.Devices[0].
func DryRun(ctx context.Context, c SweepConfig) ([]RunEstimate, error) {
	if len(c.Devices) == 0 {
		return nil, fmt.Errorf("dry run: no device")
	}
	g := c.grid()
	specs, err := g.Runs(c.Select)
	if err != nil {
		return nil, fmt.Errorf("dry run: %w", err)
	}
	if c.TuneLR {
		tune, err := g.TuningRuns(c.Select)
		if err != nil {
			return nil, fmt.Errorf("dry run: %w", err)
		}
		specs = append(tune, specs...)
	}
	const bigShard = math.MaxInt32
	prec, err := nn.Resolve("auto", c.Devices[0])
	if err != nil {
		return nil, fmt.Errorf("dry run: %w", err)
	}
	timings := map[string]StepTiming{}
	var out []RunEstimate
	for _, spec := range specs {
		_, p, err := g.planRun(spec, g.VocabSize, bigShard, bigShard)
		if err != nil {
			return nil, fmt.Errorf("dry run: %w", err)
		}
		mem := EstimateMemory(p.Model, p.Micro, prec)
		key := fmt.Sprintf("%s/%d", p.Model, p.Batch)
		t, ok := timings[key]
		if !ok {
			if err := checkMemory(c.Devices[0], p, mem); err != nil {
				return nil, fmt.Errorf("dry run: %s: %w", spec.Name, err)
			}
			if t, err = EstimateStep(ctx, c.Devices[0], p.Model, p.Batch, 300*time.Millisecond); err != nil {
				return nil, fmt.Errorf("dry run: %w", err)
			}
			timings[key] = t
		}
		out = append(out, RunEstimate{Spec: spec, Model: p.Model, Params: p.Params, Tokens: p.Tokens,
			Compute: p.Compute, Steps: p.Steps, Batch: p.Batch, Time: estimateRun(p, t), Memory: mem})
	}
	return out, nil
}

// WriteDryRun prints the dry run's table and its total. With several
// devices the total is divided among them (one run per device at a time).
func WriteDryRun(w io.Writer, rows []RunEstimate, devices int) error {
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tactivation\trole\tL\td\theads\tN\tD\tC (FLOP)\tsteps\tmemory\test. time\t")
	var total time.Duration
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%.3g\t%d\t%s\t%s\t\n", r.Spec.Name, r.Spec.Activation, r.Spec.Role,
			r.Model.Layers, r.Model.Width, r.Model.Heads, r.Params, r.Tokens, r.Compute, r.Steps, Bytes(r.Memory.Total()), FormatDuration(r.Time))
		total += r.Time
	}
	if devices > 1 {
		fmt.Fprintf(tw, "total\t\t\t\t\t\t\t\t\t\t\t%s\t\n", FormatDuration(total)+fmt.Sprintf(" (÷%d devices ≈ %s)", devices, FormatDuration(total/time.Duration(devices))))
	} else {
		fmt.Fprintf(tw, "total\t\t\t\t\t\t\t\t\t\t\t%s\t\n", FormatDuration(total))
	}
	return tw.Flush()
}

// FormatDuration writes d as 42s, 3m07s or 5h12m.
func FormatDuration(d time.Duration) string {
	s := int64(math.Round(d.Seconds()))
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, (s%3600)/60)
}
