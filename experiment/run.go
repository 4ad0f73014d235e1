package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/internal/cli"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
)

// ErrDiverged is wrapped by Run's error when the loss or the gradient norm
// became NaN or infinite.
var ErrDiverged = errors.New("training diverged")

// ErrConfigChanged is wrapped by Run's error when the output folder holds
// a run with a different configuration.
var ErrConfigChanged = errors.New("output folder holds a different run")

// Files a run writes in its output folder.
const (
	ConfigFile  = "config.json"
	MetricsFile = "metrics.csv"
	ResultFile  = "result.json"
)

// Run trains one model as c describes, writing config.json, metrics.csv,
// a TensorBoard event file, checkpoints and result.json in c.Out. When
// c.Out holds a checkpoint of the same run it resumes from there; when it
// holds a finished result it returns that result without training.
//
// Cancelling ctx checkpoints and returns ctx's error (rerunning resumes).
// A NaN or infinite loss or gradient norm stops the run with status
// "diverged" and an error wrapping ErrDiverged; the last good checkpoint
// is kept.
func Run(ctx context.Context, c RunConfig) (*Result, error) {
	r, err := newRunner(ctx, &c)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return r.run(ctx)
}

// runner is the state of one run.
type runner struct {
	c       *RunConfig
	p       plan
	log     *slog.Logger
	dev     tensor.Device
	model   *nn.Model
	params  []optim.Param
	opt     *optim.AdamW
	sampler *data.Sampler
	val     *data.Shard
	graph   *tensor.Graph
	ids     *tensor.Tensor
	tgts    *tensor.Tensor
	in, tg  []int32
	// losses holds the micro-batch losses of the step being trained, one
	// slot each, gathered on the device and read once per step; slot[k]
	// is a one-element id buffer holding k.
	losses *tensor.Tensor
	slot   []*tensor.Tensor

	step     int
	tokens   int64
	elapsed0 float64 // seconds trained before this process (resume)
	start    time.Time
	// startStep and startTokens are where this process began (for rates).
	startStep   int
	startTokens int64
	rows        []Row
	pending     *Row // the last trained step, while its evaluation is due
	curve       []CurvePoint
	best        float64
	eventFile   string
	lastFlush   time.Time
	lastCkpt    time.Time
	finished    *Result
	closeData   func()
}

func newRunner(ctx context.Context, c *RunConfig) (*runner, error) {
	started := time.Now()
	if c.Device == nil {
		return nil, errors.New("run: no device")
	}
	if c.Out == "" {
		return nil, errors.New("run: no output folder")
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, fmt.Errorf("run: output folder: %w", err)
	}
	if err := checkWritable(c.Out); err != nil {
		return nil, err
	}
	if c.Name == "" {
		abs, _ := filepath.Abs(c.Out)
		c.Name = filepath.Base(abs)
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// The temporary files of writes a kill cut short (metrics.csv,
	// result.json, the event file) would pile up, one per kill: this
	// process owns the folder now.
	if gone, err := atomicfile.RemoveLeftovers(c.Out, started); err != nil {
		log.Warn(cli.OneLine(err.Error()))
	} else if len(gone) > 0 {
		log.Debug("removed temporary files of interrupted writes", "files", len(gone))
	}
	r := &runner{c: c, log: log, dev: c.Device, best: math.Inf(1)}

	train, val, closeData, err := loadData(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	r.closeData = closeData
	r.val = val
	if train.VocabSize() != val.VocabSize() {
		r.close()
		return nil, fmt.Errorf("run: training vocabulary %d and validation vocabulary %d differ", train.VocabSize(), val.VocabSize())
	}
	if r.p, err = resolve(c, train.VocabSize(), train.Len(), val.Len()); err != nil {
		r.close()
		return nil, fmt.Errorf("run: %w", err)
	}
	r.p.Device = c.Device.Name()
	prec, err := nn.Resolve(c.Precision, c.Device)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("run: %w", err)
	}
	if prec == nn.BF16 {
		r.p.Precision = string(prec)
	}
	r.p.Kernels = kernelPathOf(c.Device, prec, r.p.Model)
	r.p.memory = EstimateMemory(r.p.Model, r.p.Micro, prec)
	if _, done := readFinished(c.Out); !done {
		// Before config.json: a run refused here may come back with a
		// smaller micro-batch.
		if err := checkMemory(r.dev, r.p, r.p.memory); err != nil {
			r.close()
			return nil, fmt.Errorf("run: %w", err)
		}
	}
	if err := r.writeConfig(); err != nil {
		r.close()
		return nil, err
	}
	if res, ok := readFinished(c.Out); ok {
		r.finished = res
		return r, nil
	}
	m := r.p.Model
	log.Info("model", "shape", m.String(), "N", r.p.Params, "total_params", r.p.TotalParams,
		"flops_per_token_6N", r.p.FLOPsPerToken6N, "flops_per_token_exact", r.p.FLOPsPerToken,
		"tokens", r.p.Tokens, "steps", r.p.Steps, "batch", r.p.Batch, "micro_batch", r.p.Micro, "device", r.p.Device,
		"precision", prec, "memory_bytes", r.p.memory.Total())
	if c.Announce != nil {
		fmt.Fprint(c.Announce, r.p.describe())
	}

	if r.model, err = nn.Init(ctx, r.dev, m, c.Seed, prec); err != nil {
		r.close()
		return nil, fmt.Errorf("run: %w", err)
	}
	for _, q := range r.model.Params() {
		r.params = append(r.params, optim.Param{Name: q.Name, T: q.T, Master: q.Master, Decay: q.Decay || (c.DecayEmbeddings && q.Embedding)})
	}
	if r.opt, err = optim.NewAdamW(r.dev, r.params, r.p.Hyper); err != nil {
		r.close()
		return nil, fmt.Errorf("run: %w", err)
	}
	if r.sampler, err = data.NewSampler(train, r.p.Micro, m.SeqLen, c.Seed); err != nil {
		r.close()
		return nil, fmt.Errorf("run: %w", err)
	}
	n := r.p.Micro * m.SeqLen
	r.in, r.tg = make([]int32, n), make([]int32, n)
	if r.ids, err = tensor.New(r.dev, tensor.Int32, r.p.Micro, m.SeqLen); err == nil {
		r.tgts, err = tensor.New(r.dev, tensor.Int32, r.p.Micro, m.SeqLen)
	}
	if err == nil {
		err = r.allocLossSlots()
	}
	if err != nil {
		r.close()
		return nil, fmt.Errorf("run: batch buffers: %w", err)
	}
	r.graph = tensor.NewGraph(r.dev)
	r.eventFile = fmt.Sprintf("events.out.tfevents.%d.harness", time.Now().Unix())
	if err := r.resume(); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *runner) close() {
	if r.graph != nil {
		r.graph.Reset()
	}
	for _, t := range append([]*tensor.Tensor{r.ids, r.tgts, r.losses}, r.slot...) {
		if t != nil {
			t.Free()
		}
	}
	if r.opt != nil {
		r.opt.Free()
	}
	if r.model != nil {
		r.model.Free()
	}
	if r.closeData != nil {
		r.closeData()
	}
}

// checkWritable fails early, with the folder's name, when files cannot be created in dir.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-test*")
	if err != nil {
		return fmt.Errorf("run: output folder %s is not writable: %w", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// readFinished returns the result of a run that already finished in dir.
func readFinished(dir string) (*Result, bool) {
	b, err := os.ReadFile(filepath.Join(dir, ResultFile))
	if err != nil {
		return nil, false
	}
	var res Result
	if json.Unmarshal(b, &res) != nil || res.Status != StatusFinished {
		return nil, false
	}
	return &res, true
}

// writeConfig writes config.json, or checks that an existing one
// describes the same run (see samePlan: the device and name may differ).
func (r *runner) writeConfig() error {
	path := filepath.Join(r.c.Out, ConfigFile)
	want, err := json.MarshalIndent(r.p, "", "  ")
	if err != nil {
		return fmt.Errorf("run: config: %w", err)
	}
	if old, err := os.ReadFile(path); err == nil {
		var prev plan
		if err := json.Unmarshal(old, &prev); err != nil {
			return fmt.Errorf("run: %s: %w", path, err)
		}
		if prev.Precision != r.p.Precision {
			return fmt.Errorf("run: %w: %s was trained in %s and this command asks for %s; pass -precision %s (RunConfig.Precision) to continue it, or use another -out folder",
				ErrConfigChanged, path, precisionName(prev.Precision), precisionName(r.p.Precision), precisionName(prev.Precision))
		}
		if err := checkKernels(path, prev.Kernels, r.p.Kernels, r.p.Precision); err != nil {
			return err
		}
		if !samePlan(prev, r.p) {
			return fmt.Errorf("run: %w: %s differs from this command's settings; use another -out folder or remove it", ErrConfigChanged, path)
		}
	}
	return atomicfile.WriteFile(path, append(want, '\n'))
}

// precisionName is the plan's precision field as a -precision value.
func precisionName(p string) string {
	if p == "" {
		return string(nn.F32)
	}
	return p
}

// resume restores the newest intact checkpoint in the output folder, if
// any. A damaged one (files that do not match their recorded checksums)
// is set aside as step-N.damaged with one warning, and the one before it
// is used; with none intact the run starts over (training is
// deterministic, so it reaches the same result).
func (r *runner) resume() error {
	cands, err := completeCheckpoints(r.c.Out)
	if err != nil {
		return err
	}
	var st ckptState
	var dir string
	for _, c := range cands {
		err := c.err
		if err == nil {
			err = verifyFiles(c.dir, c.st)
		}
		if err == nil {
			st, dir = c.st, c.dir
			break
		}
		if !errors.Is(err, ErrDamagedCheckpoint) {
			return err
		}
		next := "no older checkpoint is intact: starting over"
		for _, o := range cands {
			if o.dir < c.dir && o.err == nil && verifyFiles(o.dir, o.st) == nil {
				next = "resuming from " + filepath.Base(o.dir)
				break
			}
		}
		r.log.Warn(fmt.Sprintf("checkpoint %s is damaged (%s); it is kept as %s.damaged and %s",
			filepath.Base(c.dir), cli.OneLine(err.Error()), filepath.Base(c.dir), next))
		if rerr := os.Rename(c.dir, c.dir+".damaged"); rerr != nil {
			return fmt.Errorf("resume: set aside the damaged checkpoint: %w", rerr)
		}
	}
	if dir == "" {
		// A fresh start: event files of an attempt killed before its first
		// checkpoint would show stale curves next to the new one.
		stale, _ := filepath.Glob(filepath.Join(r.c.Out, "events.out.tfevents.*"))
		for _, f := range stale {
			os.Remove(f)
		}
		return nil
	}
	if err := loadCheckpoint(dir, st, r.params, r.opt); err != nil {
		return err
	}
	if err := r.sampler.Restore(st.Sampler); err != nil {
		return fmt.Errorf("resume from %s: %w", dir, err)
	}
	r.step, r.tokens, r.elapsed0 = st.Step, st.Tokens, st.Elapsed
	r.rows, r.curve = fromJSONRows(st.Rows), st.Curve
	if st.Pending != nil {
		r.pending = &fromJSONRows([]jsonRow{*st.Pending})[0]
	}
	// The best loss is the least of the curve's, taken in the same order
	// as during training (a checkpoint from before the first evaluation
	// has none, which is +Inf, not 0).
	for _, pt := range r.curve {
		r.best = math.Min(r.best, pt.ValLoss)
	}
	if st.EventFile != "" {
		r.eventFile = st.EventFile
	}
	r.log.Info("resumed", "checkpoint", dir, "step", r.step, "tokens", r.tokens)
	return nil
}

func (r *runner) elapsed() float64 { return r.elapsed0 + time.Since(r.start).Seconds() }

func (r *runner) run(ctx context.Context) (*Result, error) {
	if r.finished != nil {
		r.log.Info("already finished", "dir", r.c.Out, "final_val_loss", r.finished.FinalLoss)
		return r.finished, nil
	}
	r.start = time.Now()
	r.startStep, r.startTokens = r.step, r.tokens
	r.lastFlush, r.lastCkpt = r.start, r.start
	defer r.report(math.NaN(), math.NaN(), true)
	if err := r.writeResult(StatusRunning, ""); err != nil {
		return nil, err
	}
	stepTokens := int64(r.p.Batch) * int64(r.p.Model.SeqLen)
	for r.step < r.p.Steps || r.pending != nil {
		if r.pending == nil {
			if err := ctx.Err(); err != nil {
				return r.interrupted(err)
			}
			t0 := time.Now()
			loss, norm, lr, err := r.trainStep()
			r.tokens += stepTokens
			row := Row{Step: r.step + 1, Tokens: r.tokens, LR: lr, TrainLoss: loss, ValLoss: math.NaN(), GradNorm: norm,
				TokensPerSec: float64(stepTokens) / time.Since(t0).Seconds()}
			if err != nil {
				return r.diverged(&row, err)
			}
			r.step++
			r.pending = &row
		}
		row := *r.pending
		if r.step%r.p.EvalEvery == 0 || r.step == r.p.Steps {
			n := r.p.EvalTokens
			if r.step == r.p.Steps {
				n = r.p.FinalEvalTokens
			}
			// An interrupted evaluation leaves the step pending: the
			// checkpoint holds the trained step and a rerun scores it.
			v, err := r.evaluate(ctx, n)
			if err != nil && ctx.Err() != nil {
				return r.interrupted(ctx.Err())
			}
			if err != nil {
				return r.fail(err)
			}
			row.ValLoss = v
			if math.IsNaN(v) || math.IsInf(v, 0) {
				r.pending = nil
				return r.diverged(&row, fmt.Errorf("validation loss is %v at step %d", v, r.step))
			}
			r.curve = append(r.curve, CurvePoint{Step: r.step, Tokens: r.tokens, ValLoss: v})
			r.best = math.Min(r.best, v)
		}
		r.pending = nil
		row.Elapsed = r.elapsed()
		row.WallTime = float64(time.Now().UnixNano()) / 1e9
		r.rows = append(r.rows, row)
		r.report(row.TrainLoss, row.ValLoss, false)
		if time.Since(r.lastFlush) >= r.flushEvery() || !math.IsNaN(row.ValLoss) {
			if err := r.flush(); err != nil {
				return r.fail(err)
			}
		}
		ckptDue := (r.c.CheckpointSteps > 0 && r.step%r.c.CheckpointSteps == 0) || time.Since(r.lastCkpt) >= r.ckptEvery()
		if ckptDue && r.step < r.p.Steps {
			if err := r.checkpoint(); errors.Is(err, ErrDiverged) {
				return r.diverged(nil, err)
			} else if err != nil {
				return r.fail(err)
			}
		}
	}
	if err := r.checkpoint(); errors.Is(err, ErrDiverged) {
		return r.diverged(nil, err)
	} else if err != nil {
		return r.fail(err)
	}
	if err := r.flush(); err != nil {
		return r.fail(err)
	}
	res := r.result(StatusFinished, "")
	err := r.saveResult(res)
	r.log.Info("finished", "final_val_loss", res.FinalLoss, "best_val_loss", res.BestLoss, "wall_seconds", res.WallSeconds)
	return res, err
}

// report tells RunConfig.OnStep where the run stands.
func (r *runner) report(trainLoss, valLoss float64, done bool) {
	if r.c.OnStep == nil {
		return
	}
	d := time.Since(r.start)
	r.c.OnStep(Progress{
		Run: r.p.Name, Step: r.step, Steps: r.p.Steps, StartStep: r.startStep, Tokens: r.tokens,
		TrainLoss: trainLoss, ValLoss: valLoss, TokensPerSec: float64(r.tokens-r.startTokens) / d.Seconds(),
		Elapsed: d, Done: done,
	})
}

func (r *runner) flushEvery() time.Duration {
	if r.c.FlushEvery > 0 {
		return r.c.FlushEvery
	}
	return 2 * time.Second
}

func (r *runner) ckptEvery() time.Duration {
	if r.c.CheckpointEvery > 0 {
		return r.c.CheckpointEvery
	}
	return 5 * time.Minute
}

// trainStep runs one optimizer step over Batch/Micro accumulated
// micro-batches and returns the mean training loss, the gradient norm
// before clipping and the learning rate.
func (r *runner) trainStep() (loss, norm, lr float64, err error) {
	if err := r.model.ZeroGrad(); err != nil {
		return 0, 0, 0, err
	}
	accum := r.p.Batch / r.p.Micro
	scale := float32(1) / float32(accum)
	if err := r.dev.Fill(r.losses.Buffer(), 0); err != nil {
		return 0, 0, 0, err
	}
	for k := 0; k < accum; k++ {
		r.sampler.Next(r.in, r.tg)
		if err := r.ids.CopyFromInt32(r.in); err != nil {
			return 0, 0, 0, err
		}
		if err := r.tgts.CopyFromInt32(r.tg); err != nil {
			return 0, 0, 0, err
		}
		r.graph.Reset()
		l, err := r.model.Loss(r.graph, r.ids, r.tgts, scale)
		if err != nil {
			return 0, 0, 0, err
		}
		if err := r.gatherLoss(l, k); err != nil {
			return 0, 0, 0, err
		}
		if err := r.graph.Backward(l); err != nil {
			return 0, 0, 0, err
		}
	}
	r.graph.Reset()
	// One read per step: reading each micro-batch's loss would make the
	// host wait for the device once per micro-batch. The host sums the
	// float32 losses in float64, in micro-batch order.
	vs, err := r.losses.Float32s()
	if err != nil {
		return 0, 0, 0, err
	}
	for _, v := range vs {
		loss += float64(v)
	}
	loss /= float64(accum)
	lr = r.p.Schedule.LR(r.step + 1)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, math.NaN(), lr, fmt.Errorf("%w: training loss is %v at step %d", ErrDiverged, loss, r.step+1)
	}
	norm, err = r.opt.Step(lr)
	if errors.Is(err, optim.ErrNonFinite) {
		return loss, norm, lr, fmt.Errorf("%w: gradient norm is %v at step %d", ErrDiverged, norm, r.step+1)
	}
	return loss, norm, lr, err
}

// evaluate returns the mean loss over the first maxTokens targets of the
// fixed validation windows.
func (r *runner) evaluate(ctx context.Context, maxTokens int64) (float64, error) {
	g := r.graph
	g.Reset()
	g.SetGradEnabled(false)
	defer g.SetGradEnabled(true)
	T := r.p.Model.SeqLen
	var sum float64
	var count int64
	err := r.val.EvalWindows(r.p.Micro, T, maxTokens, func(in, tg []int32) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows := len(in) / T
		ids, tgts := r.ids, r.tgts
		if rows != r.p.Micro {
			var err error
			if ids, err = tensor.FromInt32(r.dev, in, rows, T); err != nil {
				return err
			}
			defer ids.Free()
			if tgts, err = tensor.FromInt32(r.dev, tg, rows, T); err != nil {
				return err
			}
			defer tgts.Free()
		} else {
			if err := ids.CopyFromInt32(in); err != nil {
				return err
			}
			if err := tgts.CopyFromInt32(tg); err != nil {
				return err
			}
		}
		g.Reset()
		l, err := r.model.Loss(g, ids, tgts, 1)
		if err != nil {
			return err
		}
		v, err := l.Item()
		if err != nil {
			return err
		}
		sum += float64(v) * float64(len(in))
		count += int64(len(in))
		return nil
	})
	g.Reset()
	if err != nil {
		return 0, fmt.Errorf("evaluate: %w", err)
	}
	return sum / float64(count), nil
}

// allocLossSlots allocates the device vector the micro-batch losses are
// gathered into and one id buffer per slot.
func (r *runner) allocLossSlots() error {
	accum := r.p.Batch / r.p.Micro
	var err error
	if r.losses, err = tensor.New(r.dev, tensor.Float32, accum); err != nil {
		return err
	}
	for k := range accum {
		id, err := tensor.FromInt32(r.dev, []int32{int32(k)}, 1, 1)
		if err != nil {
			return err
		}
		r.slot = append(r.slot, id)
	}
	return nil
}

// gatherLoss copies micro-batch k's loss (one float32 on the device) into
// slot k of r.losses without reading it to the host. The copy is the
// device's scatter-add of one row into a table (EmbeddingBackward with a
// one-wide table and one id): slot k holds 0 + loss, exactly the loss.
func (r *runner) gatherLoss(l *tensor.Tensor, k int) error {
	s := tensor.EmbeddingShape{Batch: 1, SeqLen: 1, Vocab: r.losses.Len(), Width: 1}
	if err := r.dev.EmbeddingBackward(r.losses.Buffer(), nil, l.Buffer(), r.slot[k].Buffer(), s); err != nil {
		return fmt.Errorf("gather the loss of micro-batch %d: %w", k, err)
	}
	return nil
}

// flush rewrites metrics.csv and the event file from the rows so far.
func (r *runner) flush() error {
	r.lastFlush = time.Now()
	if err := atomicfile.WriteFile(filepath.Join(r.c.Out, MetricsFile), EncodeMetricsCSV(r.rows)); err != nil {
		return err
	}
	return WriteEventFile(filepath.Join(r.c.Out, r.eventFile), Events(r.rows))
}

// checkpoint saves the state after r.step completed steps. It refuses,
// with an error wrapping ErrDiverged, to save weights that are not all
// finite: the last checkpoint on disk is always a good one.
func (r *runner) checkpoint() error {
	r.lastCkpt = time.Now()
	bufs := make([]tensor.Buffer, len(r.params))
	for i, p := range r.params {
		bufs[i] = p.Weights().Buffer()
	}
	ss, err := r.dev.SumSquares(bufs)
	if err != nil {
		return fmt.Errorf("checkpoint: weight norm: %w", err)
	}
	if math.IsNaN(ss) || math.IsInf(ss, 0) {
		return fmt.Errorf("%w: the weights hold NaN or Inf after step %d (squared norm %v)", ErrDiverged, r.step, ss)
	}
	cfg, _ := json.Marshal(r.p.Model)
	st := ckptState{
		Step: r.step, Tokens: r.tokens, Sampler: r.sampler.State(), Schedule: r.p.Schedule,
		OptSteps: r.opt.Steps(), Elapsed: r.elapsed(), Curve: r.curve,
		Rows: toJSONRows(r.rows), EventFile: r.eventFile, ModelConfig: cfg,
	}
	if !math.IsInf(r.best, 0) {
		best := r.best
		st.BestVal = &best
	}
	if r.pending != nil {
		st.Pending = &toJSONRows([]Row{*r.pending})[0]
	}
	meta := map[string]string{"model_config": string(cfg)}
	if err := saveCheckpoint(r.c.Out, r.params, r.opt, st, meta); err != nil {
		return err
	}
	r.log.Debug("checkpoint", "step", r.step)
	return nil
}

func (r *runner) interrupted(cause error) (*Result, error) {
	if err := r.checkpoint(); errors.Is(err, ErrDiverged) {
		return r.diverged(nil, err)
	} else if err != nil {
		return nil, errors.Join(cause, err)
	}
	if err := r.flush(); err != nil {
		return nil, errors.Join(cause, err)
	}
	msg := fmt.Sprintf("interrupted after step %d of %d; rerun the same command to resume", r.step, r.p.Steps)
	if err := r.writeResult(StatusRunning, msg); err != nil {
		return nil, errors.Join(cause, err)
	}
	r.log.Info("interrupted", "step", r.step, "checkpoint", stepDir(r.c.Out, r.step))
	return r.result(StatusRunning, msg), fmt.Errorf("run: %s: %w", msg, cause)
}

// diverged ends the run with status diverged; row, when non-nil, is the
// failing step's metrics row, not yet recorded.
func (r *runner) diverged(row *Row, cause error) (*Result, error) {
	if row != nil {
		row.Elapsed = r.elapsed()
		row.WallTime = float64(time.Now().UnixNano()) / 1e9
		r.rows = append(r.rows, *row)
	}
	ferr := r.flush()
	if !errors.Is(cause, ErrDiverged) {
		cause = fmt.Errorf("%w: %w", ErrDiverged, cause)
	}
	steps, _ := listCheckpoints(r.c.Out)
	kept := "no checkpoint was written before it"
	if len(steps) > 0 {
		kept = "the last good checkpoint is " + stepDir(r.c.Out, steps[len(steps)-1])
	}
	err := fmt.Errorf("%w; %s; try a lower learning rate", cause, kept)
	werr := r.writeResult(StatusDiverged, err.Error())
	return r.result(StatusDiverged, err.Error()), errors.Join(fmt.Errorf("run: %w", err), ferr, werr)
}

func (r *runner) fail(cause error) (*Result, error) {
	werr := r.writeResult(StatusFailed, cause.Error())
	return r.result(StatusFailed, cause.Error()), errors.Join(fmt.Errorf("run: %w", cause), werr)
}

// result builds result.json's content.
func (r *runner) result(status, msg string) *Result {
	res := &Result{
		Name: r.p.Name, Activation: string(r.p.Model.Activation), Role: r.p.Role, Seed: int(r.p.Seed),
		Layers: r.p.Model.Layers, Width: r.p.Model.Width, Heads: r.p.Model.Heads,
		Params: r.p.Params, TotalParams: r.p.TotalParams, Tokens: r.p.Tokens, Compute: r.p.Compute,
		WallSeconds: r.elapsed(), Device: r.p.Device, Status: status, Error: msg, Curve: r.curve,
		Budget: r.p.Budget, LR: r.p.Schedule.MaxLR,
	}
	if status == StatusFinished && len(r.curve) > 0 {
		res.FinalLoss = r.curve[len(r.curve)-1].ValLoss
		res.BestLoss = r.best
		res.ValTokens = r.val.EvalTokenCount(r.p.Model.SeqLen, r.p.FinalEvalTokens)
	}
	return res
}

func (r *runner) writeResult(status, msg string) error {
	return r.saveResult(r.result(status, msg))
}

// saveResult writes res as result.json.
func (r *runner) saveResult(res *Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("run: result: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(r.c.Out, ResultFile), append(b, '\n'))
}
