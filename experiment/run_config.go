package experiment

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/nn"
	"github.com/empirical-scaling/harness/optim"
	"github.com/empirical-scaling/harness/tensor"
)

// RunConfig describes one training run. Zero values mean "the default":
// the per-size table of optim.DefaultsFor for the optimiser, 20·N tokens,
// a context of 256 tokens.
type RunConfig struct {
	Name       string        // run name in result.json (default: the output folder's name)
	Role       string        // RoleAnchor or RoleHoldout (default anchor)
	Params     int64         // target non-embedding parameter count N
	Shape      *nn.Config    // explicit model shape; overrides Params (vocab and context are filled in)
	Activation nn.Activation // gelu or swiglu
	Seed       uint64        // model init and batch order
	// Precision is "auto" (or ""), "f32" or "bf16": auto trains in bf16
	// (fp32 master weights and moments) on a device that computes in
	// bfloat16 (CUDA) and in f32 elsewhere (CPU); bf16 on the CPU is an error.
	Precision string

	// Data: Data names the source for data.Prepare ("synthetic",
	// "tinystories" or a path); Train and Val, when set, are used instead.
	Data           string
	CacheDir       string // data cache (default: the user cache dir)
	VocabSize      int    // BPE vocabulary for text sources (default 4096)
	Tokenizer      string // "" trains a BPE for the data; "gpt2" loads GPT-2's (data.TokenizerGPT2)
	TextColumn     string // the text column of Parquet sources ("" = data.DefaultTextColumn)
	SyntheticBytes int64  // size of the synthetic corpus (0: data's default)
	DataSeed       uint64 // seed of the synthetic stories (the same data for every run by default)
	Train, Val     *data.Shard
	// Dataset names the prepared dataset Train and Val come from, recorded
	// in config.json so that sample and export find the run's tokenizer
	// (set by Run itself when it prepares Data).
	Dataset *DatasetRef

	Tokens int64   // D: training tokens (default 20·N)
	SeqLen int     // context length T (default 256)
	Batch  int     // sequences per optimizer step (default: batch tokens of the table / T)
	Micro  int     // sequences per forward/backward pass; Batch/Micro passes are accumulated (default: see defaultMicro)
	LR     float64 // peak learning rate
	// LRScale is recorded in config.json as the multiplier a learning-rate
	// tuning applied to LR (0 or 1: none); LR already includes it.
	LRScale float64
	// Budget is the compute budget C of an IsoFLOP grid's run (0: none),
	// recorded in config.json and result.json so the analysis can group
	// the runs of one budget.
	Budget     float64
	MinLRRatio float64 // final lr / peak lr (use MinLRZero for 0)
	Warmup     int     // warmup steps (default: the table's fraction of the steps; -1 for none)
	// WeightDecay, Beta1, Beta2, ClipNorm override the table when non-nil.
	WeightDecay, Beta1, Beta2, ClipNorm *float64
	// DecayEmbeddings also applies weight decay to wte and wpe.
	DecayEmbeddings bool
	ExactFLOPs      bool // C counts attention and the output layer exactly (nn.Config.FLOPsPerToken) instead of 6·N·D

	EvalEvery  int   // steps between evaluations (default: about 10 per run)
	EvalTokens int64 // validation targets scored by the evaluations during the run (default 16,384; the same tokens every time)
	// FinalEvalTokens is how many validation targets the last evaluation,
	// whose loss is the run's result, scores (default 262,144, or the
	// whole validation shard when smaller). It does not depend on the run,
	// so every run of a grid is scored on the same tokens.
	FinalEvalTokens int64
	CheckpointEvery time.Duration // wall time between checkpoints (default 5 minutes; plus one at the end and on cancel)
	CheckpointSteps int           // also checkpoint every this many steps (0: off)
	FlushEvery      time.Duration // how often metrics.csv and the event file are rewritten (default 2 s)

	Device   tensor.Device // where to train (required)
	Out      string        // output folder (required)
	Progress io.Writer     // where data preparation draws its progress bars (nil: none)
	Announce io.Writer     // where the chosen shape, N and the plan are printed before training (nil: only logged)
	Logger   *slog.Logger  // (nil: discard)
	// OnStep, when set, is told where the run stands after every optimizer
	// step, and once more (Done) when the run stops for any reason. The
	// commands draw their progress bars from it; tests use it to interrupt
	// a run. It runs on the training goroutine: keep it short.
	OnStep func(Progress)
}

// Progress is where a run stands, given to RunConfig.OnStep.
type Progress struct {
	Run          string        // the run's name
	Step         int           // optimizer steps done
	Steps        int           // optimizer steps planned
	StartStep    int           // the step this process started (or resumed) from
	Tokens       int64         // training tokens seen
	TrainLoss    float64       // the step's mean training loss (NaN when Done)
	ValLoss      float64       // the step's validation loss, NaN when it was not evaluated
	TokensPerSec float64       // this process's average training rate
	Elapsed      time.Duration // this process's time in the training loop
	Done         bool          // the run stopped: finished, interrupted or failed
}

// minDefaultSteps is the fewest optimizer steps the default batch size
// leaves a run with (when it has enough tokens for one sequence per step).
const minDefaultSteps = 50

// MinLRZero asks for a schedule that decays to exactly 0.
const MinLRZero = -1

// plan is a RunConfig with every default resolved; it is written as
// config.json and must match on resume.
type plan struct {
	Name            string         `json:"name"`
	Role            string         `json:"role"`
	Model           nn.Config      `json:"model"`
	Params          int64          `json:"params"`
	TotalParams     int64          `json:"total_params"`
	TargetParams    int64          `json:"target_params"`
	Seed            uint64         `json:"seed"`
	Data            string         `json:"data"`
	Tokenizer       string         `json:"tokenizer,omitempty"`
	TextColumn      string         `json:"text_column,omitempty"`
	TrainTokensData int64          `json:"train_shard_tokens"`
	ValTokensData   int64          `json:"val_shard_tokens"`
	Tokens          int64          `json:"tokens"`
	Steps           int            `json:"steps"`
	Batch           int            `json:"batch"`
	Micro           int            `json:"micro_batch"`
	Schedule        optim.Schedule `json:"schedule"`
	Hyper           optim.Hyper    `json:"optimizer"`
	DecayEmbeddings bool           `json:"decay_embeddings"`
	ExactFLOPs      bool           `json:"exact_flops"`
	FLOPsPerToken   float64        `json:"flops_per_token"`
	FLOPsPerToken6N float64        `json:"flops_per_token_6n"`
	Compute         float64        `json:"compute"`
	EvalEvery       int            `json:"eval_every"`
	EvalTokens      int64          `json:"eval_tokens"`
	FinalEvalTokens int64          `json:"final_eval_tokens"`
	Device          string         `json:"device"`
	// Precision is "bf16" for mixed-precision runs and empty for f32 (so
	// an f32 run's config.json is the same as before precisions existed).
	Precision string `json:"precision,omitempty"`
	// Kernels is the device's kernel path for this model and precision
	// (tensor.KernelPather); nil when the device does not report one, and
	// in config files written before it was recorded.
	Kernels *tensor.KernelPath `json:"kernels,omitempty"`
	// Dataset is where the data and its tokenizer are; not part of the
	// run's identity (the cache may move between machines).
	Dataset *DatasetRef `json:"dataset,omitempty"`
	// LRMultiplier is the tuned multiplier of the peak learning rate
	// (absent when none or 1), Budget the IsoFLOP budget (absent when none).
	LRMultiplier float64 `json:"lr_multiplier,omitempty"`
	Budget       float64 `json:"budget,omitempty"`

	memory MemoryEstimate // what the run needs on its device (not part of its identity)
}

// resolve fills the defaults and checks the combination.
func resolve(c *RunConfig, vocab int, trainLen, valLen int) (plan, error) {
	p := plan{Name: c.Name, Role: c.Role, Seed: c.Seed, Data: c.Data, Tokenizer: c.Tokenizer, TextColumn: c.TextColumn, TargetParams: c.Params, Budget: c.Budget,
		TrainTokensData: int64(trainLen), ValTokensData: int64(valLen), DecayEmbeddings: c.DecayEmbeddings, ExactFLOPs: c.ExactFLOPs,
		Dataset: c.Dataset}
	if p.Role == "" {
		p.Role = RoleAnchor
	}
	seq := c.SeqLen
	if seq == 0 {
		seq = 256
	}
	if seq < 1 {
		return p, fmt.Errorf("context length %d: want at least 1", seq)
	}
	if c.Shape != nil {
		m := *c.Shape
		m.Vocab, m.SeqLen = vocab, seq
		if m.Activation == "" {
			m.Activation = c.Activation
		}
		if err := m.Validate(); err != nil {
			return p, err
		}
		p.Model = m
	} else {
		m, err := nn.ForParams(c.Params, vocab, seq, c.Activation)
		if err != nil {
			return p, err
		}
		p.Model = m
	}
	counts := p.Model.Params()
	p.Params, p.TotalParams = counts.NonEmbedding, counts.Total
	if p.TargetParams == 0 {
		p.TargetParams = p.Params
	}
	def := optim.DefaultsFor(p.Params)

	p.Tokens = c.Tokens
	if p.Tokens == 0 {
		p.Tokens = 20 * p.Params
	}
	if p.Tokens < 0 {
		return p, fmt.Errorf("%d training tokens: want a positive count", p.Tokens)
	}
	p.Batch = c.Batch
	if p.Batch == 0 {
		p.Batch = max(1, def.BatchTokens/seq)
		// A short run gets smaller batches rather than a handful of steps.
		if p.Tokens < int64(minDefaultSteps*p.Batch*seq) {
			p.Batch = max(1, int(p.Tokens/int64(minDefaultSteps*seq)))
		}
	}
	p.Micro = c.Micro
	if p.Micro == 0 {
		p.Micro = defaultMicro(p.Batch, seq, c.Device)
	}
	if p.Batch < 1 || p.Micro < 1 || p.Batch%p.Micro != 0 {
		return p, fmt.Errorf("batch %d and micro-batch %d: want positive with the micro-batch dividing the batch", p.Batch, p.Micro)
	}
	stepTokens := int64(p.Batch) * int64(seq)
	p.Steps = int((p.Tokens + stepTokens - 1) / stepTokens)
	if p.Steps < 1 {
		p.Steps = 1
	}
	p.Tokens = int64(p.Steps) * stepTokens // the tokens actually trained on

	lr := c.LR
	if lr == 0 {
		lr = def.LR
	}
	if c.LRScale != 0 && c.LRScale != 1 {
		p.LRMultiplier = c.LRScale
	}
	ratio := c.MinLRRatio
	switch {
	case ratio == 0:
		ratio = def.MinLRRatio
	case ratio == MinLRZero:
		ratio = 0
	}
	warm := c.Warmup
	switch {
	case warm == 0:
		warm = int(math.Round(def.WarmupFrac * float64(p.Steps)))
	case warm < 0:
		warm = 0
	}
	warm = min(warm, p.Steps)
	p.Schedule = optim.Schedule{MaxLR: lr, MinLR: lr * ratio, Warmup: warm, Total: p.Steps}
	if err := p.Schedule.Validate(); err != nil {
		return p, err
	}
	p.Hyper = def.Hyper
	for _, o := range []struct {
		dst *float64
		src *float64
	}{{&p.Hyper.WeightDecay, c.WeightDecay}, {&p.Hyper.Beta1, c.Beta1}, {&p.Hyper.Beta2, c.Beta2}, {&p.Hyper.ClipNorm, c.ClipNorm}} {
		if o.src != nil {
			*o.dst = *o.src
		}
	}

	p.FLOPsPerToken6N = p.Model.FLOPsPerToken6N()
	p.FLOPsPerToken = p.Model.FLOPsPerToken()
	p.Compute = p.FLOPsPerToken6N * float64(p.Tokens)
	if p.ExactFLOPs {
		p.Compute = p.FLOPsPerToken * float64(p.Tokens)
	}
	p.EvalEvery = c.EvalEvery
	if p.EvalEvery == 0 {
		p.EvalEvery = max(1, p.Steps/10)
	}
	p.EvalTokens = c.EvalTokens
	if p.EvalTokens == 0 {
		p.EvalTokens = 16384
	}
	p.FinalEvalTokens = c.FinalEvalTokens
	if p.FinalEvalTokens == 0 {
		p.FinalEvalTokens = 262144
	}
	if p.EvalEvery < 0 || p.EvalTokens < 0 || p.FinalEvalTokens < 0 {
		return p, fmt.Errorf("evaluation every %d steps on %d (final %d) tokens: want positive values", p.EvalEvery, p.EvalTokens, p.FinalEvalTokens)
	}
	if trainLen < seq+1 {
		return p, fmt.Errorf("training data has %d tokens, fewer than one window of %d", trainLen, seq+1)
	}
	if valLen < seq+1 {
		return p, fmt.Errorf("validation data has %d tokens, fewer than one window of %d", valLen, seq+1)
	}
	return p, nil
}

// Micro-batch budgets in tokens: what one forward/backward pass holds
// activations for by default (the logits alone are tokens·V floats).
const (
	microTokensCPU = 16384
	microTokensGPU = 65536
)

// defaultMicro is the largest divisor of batch whose micro-batch stays
// within the device's token budget (at least one sequence).
func defaultMicro(batch, seq int, dev tensor.Device) int {
	return defaultMicroFor(batch, seq, dev != nil && dev.Name() != "cpu")
}

// defaultMicroFor is defaultMicro for a GPU (gpu) or the CPU.
func defaultMicroFor(batch, seq int, gpu bool) int {
	budget := microTokensCPU
	if gpu {
		budget = microTokensGPU
	}
	limit := max(1, budget/seq)
	for m := min(batch, limit); m > 1; m-- {
		if batch%m == 0 {
			return m
		}
	}
	return 1
}

// describe is the plan in a few lines for people.
func (p plan) describe() string {
	m := p.Model
	return fmt.Sprintf("model        %s (head dim %d, FFN hidden %d): N = %d non-embedding parameters (target %d), %d total\n"+
		"compute      %.4g FLOPs/token as 6N, %.4g exact (attention and output layer included)\n"+
		"plan         %d tokens = %d steps × %d sequences × %d tokens (micro-batch %d), peak lr %g, warmup %d\n"+
		"precision    %s\n"+
		"memory       about %s\n%s",
		m, m.HeadDim(), m.FFNHidden(), p.Params, p.TargetParams, p.TotalParams,
		p.FLOPsPerToken6N, p.FLOPsPerToken,
		p.Tokens, p.Steps, p.Batch, m.SeqLen, p.Micro, p.Schedule.MaxLR, p.Schedule.Warmup,
		p.precisionText(), p.memory, p.kernelsText())
}

// kernelsText is describe's kernels line, empty when the path is unknown.
func (p plan) kernelsText() string {
	if p.Kernels == nil {
		return ""
	}
	return "kernels      " + p.Kernels.String() + "\n"
}

// kernelPathOf is the kernel path dev takes for model m in precision
// prec, or nil when dev does not report one.
func kernelPathOf(dev tensor.Device, prec nn.Precision, m nn.Config) *tensor.KernelPath {
	kp, ok := dev.(tensor.KernelPather)
	if !ok {
		return nil
	}
	dt := tensor.Float32
	if prec == nn.BF16 {
		dt = tensor.BFloat16
	}
	p := kp.KernelPath(dt, m.HeadDim())
	return &p
}

// checkKernels refuses to continue a run recorded in path with kernels
// was on a device that runs now instead. A run recorded without a kernel
// path (older config files), or a device that reports none, passes.
func checkKernels(path string, was, now *tensor.KernelPath, precision string) error {
	if was == nil || now == nil || *was == *now {
		return nil
	}
	return fmt.Errorf("run: %w: %s was trained with kernels (%s) and this device runs (%s); %s to continue it, or use another -out folder",
		ErrConfigChanged, path, was, now, kernelFlags(*was, *now, precision))
}

// kernelFlags says which device flags of train and experiment (the
// cuda.Options of RunConfig.Device) select the kernels was from a device
// that runs now.
func kernelFlags(was, now tensor.KernelPath, precision string) string {
	cpu := func(p tensor.KernelPath) bool { return p.MatMul == tensor.MatMulCPU }
	switch {
	case cpu(was) && !cpu(now):
		return "pass -device cpu"
	case !cpu(was) && cpu(now):
		return "pass -device cuda"
	}
	var add, drop []string
	switch {
	case was.MatMul == tensor.MatMulFallback && now.MatMul != was.MatMul:
		add = append(add, "-no-cublaslt")
	case was.MatMul == tensor.MatMulCublasLt && now.MatMul != was.MatMul:
		drop = append(drop, "-no-cublaslt (cuBLASLt is found through CUDA_HOME or LD_LIBRARY_PATH)")
	}
	switch {
	case was.Attention == tensor.AttentionPlain && now.Attention != was.Attention:
		add = append(add, "-no-flash")
	case was.Attention == tensor.AttentionFlash && now.Attention != was.Attention:
		drop = append(drop, "-no-flash")
		if precision != string(nn.BF16) {
			add = append(add, "-flash-f32")
		}
	}
	switch {
	case was.AttentionBackward == tensor.BackwardAtomicDQ && now.AttentionBackward != was.AttentionBackward:
		add = append(add, "-flash-atomic-dq")
	case was.AttentionBackward == tensor.BackwardDeterministic && now.AttentionBackward != was.AttentionBackward:
		drop = append(drop, "-flash-atomic-dq")
	}
	var parts []string
	if len(add) > 0 {
		parts = append(parts, "pass "+strings.Join(add, " "))
	}
	if len(drop) > 0 {
		parts = append(parts, "leave out "+strings.Join(drop, " "))
	}
	if len(parts) == 0 {
		return "use the device it was trained on"
	}
	return strings.Join(parts, " and ")
}

// precisionText describes the training precision for describe.
func (p plan) precisionText() string {
	if p.Precision == string(nn.BF16) {
		return "bf16 (bf16 weights, activations and gradients; fp32 master weights, moments and loss)"
	}
	return "f32"
}
