package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/cmd/internal/devflag"
	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/nn"
)

// options are the parsed command line.
type options struct {
	cfg      experiment.RunConfig
	dev      *devflag.Flags
	quiet    bool
	logLevel string
}

// count is a flag holding a positive count with an optional K, M or B suffix.
type count struct{ v int64 }

func (c *count) String() string { return strconv.FormatInt(c.v, 10) }

func (c *count) Set(s string) error {
	v, err := parseCount(s)
	if err != nil {
		return err
	}
	c.v = v
	return nil
}

// parseCount reads 3000000, 3M, 2.5K or 1e6.
func parseCount(s string) (int64, error) {
	mult := 1.0
	t := strings.TrimSpace(s)
	switch {
	case strings.HasSuffix(t, "K") || strings.HasSuffix(t, "k"):
		mult, t = 1e3, t[:len(t)-1]
	case strings.HasSuffix(t, "M") || strings.HasSuffix(t, "m"):
		mult, t = 1e6, t[:len(t)-1]
	case strings.HasSuffix(t, "B") || strings.HasSuffix(t, "b") || strings.HasSuffix(t, "G"):
		mult, t = 1e9, t[:len(t)-1]
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f*mult > 1e18 {
		return 0, fmt.Errorf("%q is not a count (examples: 100000, 100K, 3M, 1.5B)", s)
	}
	return int64(math.Round(f * mult)), nil
}

// optFloat is a float flag that records whether it was given.
type optFloat struct {
	v   float64
	set bool
}

func (o *optFloat) String() string {
	if !o.set {
		return "table"
	}
	return strconv.FormatFloat(o.v, 'g', -1, 64)
}

func (o *optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%q is not a number", s)
	}
	o.v, o.set = v, true
	return nil
}

func (o *optFloat) ptr() *float64 {
	if !o.set {
		return nil
	}
	return &o.v
}

const usageHead = `usage: train -params N -activation gelu|swiglu -data SRC -out DIR [flags]

Trains one GPT model (N non-embedding parameters, D = 20·N tokens unless
-tokens says otherwise) and writes config.json, metrics.csv, TensorBoard
events, checkpoints (safetensors) and result.json in DIR. Rerunning the
same command resumes; Ctrl-C checkpoints and exits. Optimizer settings
default to the per-size table in the README; every one can be overridden.

flags:
`

// parseFlags parses and validates args. It returns flag.ErrHelp for -h.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &options{}
	var params, tokens, evalTokens, finalEvalTokens, synthBytes count
	var wd, b1, b2, clip optFloat
	var act, seed string
	c := &o.cfg
	fs.Var(&params, "params", "target non-embedding parameter count N (e.g. 100K, 3M); the nearest shape is chosen")
	fs.StringVar(&act, "activation", "", "feed-forward activation: gelu or swiglu")
	fs.StringVar(&c.Data, "data", "", "training data: synthetic (the knowledge chronicle; synthetic:zipf=S for another Zipf exponent), synthetic-v1 (the first generator's stories), tinystories, fineweb-edu, hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION], or a .txt/.parquet file or folder of them")
	fs.StringVar(&c.TextColumn, "text-column", "", "the text column of Parquet data (default text)")
	fs.StringVar(&c.Out, "out", "", "output folder (created; rerun with the same folder to resume)")
	fs.Var(&tokens, "tokens", "training tokens D (default 20·N)")
	fs.IntVar(&c.Batch, "batch", 0, "sequences per optimizer step (default: the table's batch tokens / ctx)")
	fs.IntVar(&c.Micro, "micro", 0, "sequences per forward/backward pass; batch/micro passes are accumulated (default: batch)")
	fs.IntVar(&c.SeqLen, "ctx", 256, "context length T in tokens")
	fs.Float64Var(&c.LR, "lr", 0, "peak learning rate (default: the table's)")
	fs.Float64Var(&c.MinLRRatio, "min-lr-ratio", 0, "final learning rate as a fraction of the peak (default 0.1)")
	fs.IntVar(&c.Warmup, "warmup", 0, "warmup steps (default: the table's fraction of the steps; -1 for none)")
	fs.Var(&wd, "wd", "AdamW weight decay on matrices (default 0.1)")
	fs.Var(&b1, "beta1", "AdamW beta1 (default 0.9)")
	fs.Var(&b2, "beta2", "AdamW beta2 (default 0.95)")
	fs.Var(&clip, "clip", "gradient global-norm clip, 0 for none (default 1.0)")
	fs.BoolVar(&c.DecayEmbeddings, "decay-embeddings", false, "also apply weight decay to the embeddings")
	fs.StringVar(&seed, "seed", "1", "seed of the initial weights and the batch order")
	o.dev = devflag.Register(fs, "cpu, cuda (the first GPU), cuda:N or auto (cuda when available)", os.Getenv)
	fs.StringVar(&c.Precision, "precision", "auto", "f32, bf16 (mixed precision: bf16 compute, fp32 master weights; CUDA only) or auto (bf16 on CUDA, f32 on CPU)")
	fs.IntVar(&c.EvalEvery, "eval-every", 0, "steps between validation evaluations (default: 10 per run)")
	fs.Var(&evalTokens, "eval-tokens", "validation tokens scored by the evaluations during the run (default 16384)")
	fs.Var(&finalEvalTokens, "final-eval-tokens", "validation tokens scored by the final evaluation, the run's result (default 262144, capped by the validation set)")
	fs.DurationVar(&c.CheckpointEvery, "checkpoint-every", 5*time.Minute, "wall time between checkpoints")
	fs.StringVar(&c.CacheDir, "cache", "", "data cache folder (default: the user cache folder)")
	fs.IntVar(&c.VocabSize, "vocab", 0, "BPE vocabulary size to train for the data (default: the data package's)")
	fs.StringVar(&c.Tokenizer, "tokenizer", "", "gpt2: GPT-2's tokenizer (50,257 tokens, fetched from the Hub once) instead of a BPE trained for the data")
	fs.Var(&synthBytes, "synthetic-bytes", "size of the generated synthetic corpus (default: the data package's)")
	fs.BoolVar(&c.ExactFLOPs, "exact-flops", false, "report compute C with the exact FLOP count (attention, output layer) instead of 6·N·D")
	fs.StringVar(&c.Name, "name", "", "run name in result.json (default: the output folder's name)")
	fs.StringVar(&c.Role, "role", experiment.RoleAnchor, "role in a grid: anchor or holdout")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress bar")
	fs.StringVar(&o.logLevel, "log", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usageHead)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, err
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags come as -name value)", fs.Arg(0))
	}
	c.Params, c.Tokens, c.EvalTokens, c.FinalEvalTokens, c.SyntheticBytes = params.v, tokens.v, evalTokens.v, finalEvalTokens.v, synthBytes.v
	c.WeightDecay, c.Beta1, c.Beta2, c.ClipNorm = wd.ptr(), b1.ptr(), b2.ptr(), clip.ptr()
	s, err := strconv.ParseUint(seed, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("-seed %q: want a non-negative integer", seed)
	}
	c.Seed = s
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := explicitZeros(set, fs); err != nil {
		return nil, err
	}
	if err := validate(o, act); err != nil {
		return nil, err
	}
	if set["min-lr-ratio"] && c.MinLRRatio == 0 {
		c.MinLRRatio = experiment.MinLRZero // an explicit 0 decays to zero
	}
	return o, nil
}

// positiveWhenSet are the flags whose zero value means "the default": a
// user who writes 0 gets an error, not the default without a word.
var positiveWhenSet = map[string]string{
	"params": "a positive count", "tokens": "a positive count", "eval-tokens": "a positive count",
	"final-eval-tokens": "a positive count", "synthetic-bytes": "a positive size", "batch": "a positive count",
	"micro": "a positive count", "lr": "a positive learning rate", "eval-every": "a positive step count",
	"vocab": "a positive vocabulary size", "warmup": "a positive step count, or -1 for none",
}

// explicitZeros refuses a flag of positiveWhenSet that the command line
// sets to 0 (only an unset flag takes the default).
func explicitZeros(set map[string]bool, fs *flag.FlagSet) error {
	for _, name := range slices.Sorted(maps.Keys(set)) {
		want, ok := positiveWhenSet[name]
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(fs.Lookup(name).Value.String(), 64); err == nil && v == 0 {
			return fmt.Errorf("-%s 0: want %s (leave the flag out for the default)", name, want)
		}
	}
	return nil
}

// validate checks everything that can be checked before any work.
func validate(o *options, act string) error {
	c := &o.cfg
	switch {
	case c.Params == 0:
		return errors.New("-params is required (e.g. -params 3M)")
	case act == "":
		return errors.New("-activation is required: gelu or swiglu")
	case c.Data == "":
		return errors.New("-data is required: synthetic, tinystories, or a path to text")
	case c.Out == "":
		return errors.New("-out is required: the run's output folder")
	case c.SeqLen < 1:
		return fmt.Errorf("-ctx %d: want at least 1", c.SeqLen)
	case c.Batch < 0 || c.Micro < 0:
		return fmt.Errorf("-batch %d, -micro %d: want positive values", c.Batch, c.Micro)
	case c.Batch > 0 && c.Micro > 0 && c.Batch%c.Micro != 0:
		return fmt.Errorf("-micro %d must divide -batch %d", c.Micro, c.Batch)
	case c.LR < 0 || math.IsNaN(c.LR) || math.IsInf(c.LR, 0):
		return fmt.Errorf("-lr %g: want a positive learning rate", c.LR)
	case c.MinLRRatio < 0 || c.MinLRRatio > 1:
		return fmt.Errorf("-min-lr-ratio %g: want a fraction in [0, 1]", c.MinLRRatio)
	case c.EvalEvery < 0:
		return fmt.Errorf("-eval-every %d: want a positive step count", c.EvalEvery)
	case c.CheckpointEvery <= 0:
		return fmt.Errorf("-checkpoint-every %v: want a positive duration", c.CheckpointEvery)
	case c.Tokenizer != "" && c.Tokenizer != data.TokenizerGPT2:
		return fmt.Errorf("-tokenizer %q: want %s (or no flag, to train a BPE for the data)", c.Tokenizer, data.TokenizerGPT2)
	case c.Tokenizer != "" && c.VocabSize != 0:
		return fmt.Errorf("-vocab %d: GPT-2's tokenizer has its own 50,257 tokens; leave -vocab out with -tokenizer %s", c.VocabSize, c.Tokenizer)
	}
	a, err := nn.ParseActivation(act)
	if err != nil {
		return fmt.Errorf("-activation: %w", err)
	}
	c.Activation = a
	// The shape does not depend on the vocabulary: check the size against
	// the context now, before any data is prepared.
	if _, err := nn.ForParams(c.Params, 256, c.SeqLen, a); err != nil {
		return fmt.Errorf("-params %d with -ctx %d: %w", c.Params, c.SeqLen, err)
	}
	isSynth, err := data.IsSynthetic(c.Data)
	if err != nil {
		return fmt.Errorf("-data: %w", err)
	}
	switch {
	case isSynth, c.Data == "tinystories", c.Data == data.FineWebEdu:
	default:
		if strings.HasPrefix(c.Data, data.HubPrefix) {
			break
		}
		if _, err := os.Stat(c.Data); err != nil {
			return fmt.Errorf("-data %s: %w", c.Data, err)
		}
	}
	if err := o.dev.Check(); err != nil {
		return err
	}
	if c.Precision != "auto" {
		if _, err := nn.ParsePrecision(c.Precision); err != nil {
			return fmt.Errorf("-precision: %w (or auto)", err)
		}
	}
	return nil
}
