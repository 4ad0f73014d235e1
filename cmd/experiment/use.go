package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/empirical-scaling/harness/cmd/internal/devflag"
	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/internal/cli"
)

// The subcommands that use a trained run: sample and export.

const sampleUsage = `usage: experiment sample -run DIR [-prompt TEXT] [-tokens N] [-temperature T] [-top-k K] [-seed S] [-n COUNT] [-device cpu|cuda|auto]

Loads the newest checkpoint of the run in DIR and its tokenizer and writes
COUNT samples to stdout as they are generated (nanoGPT's sample.py: the
last context-length tokens are the context, temperature, top-k, a seeded
draw; a sample stops at <|endoftext|> or after N tokens). The same seed
gives the same text on the CPU. Every token recomputes the whole context
(no key-value cache), which is fast enough for models trained on a CPU.

flags:
`

const exportUsage = `usage: experiment export -run DIR -out DIR2

Writes the newest checkpoint of the GeLU run in DIR to the new folder DIR2
as a Hugging Face transformers GPT2LMHeadModel with its tokenizer:
config.json, model.safetensors, generation_config.json, vocab.json,
merges.txt, tokenizer_config.json and special_tokens_map.json, loadable
with GPT2LMHeadModel.from_pretrained(DIR2) and
GPT2TokenizerFast.from_pretrained(DIR2). SwiGLU runs are refused: no stock
architecture computes them exactly.

flags:
`

// runFlags adds the flags that locate a run's tokenizer.
func runFlags(fs *flag.FlagSet, run *string, o *experiment.TrainedOptions) {
	fs.StringVar(run, "run", "", "run folder (one written by train or by a sweep: DIR/<run>)")
	fs.StringVar(&o.CacheDir, "cache", "", "data cache searched for the run's tokenizer when the folder its config.json names is gone (default: the user cache folder)")
	fs.StringVar(&o.TokenizerDir, "tokenizer", "", "use DIR/vocab.json and DIR/merges.txt as the run's tokenizer")
}

// parseSub parses a subcommand's flags; -h prints usage and the flags to
// stdout and returns flag.ErrHelp.
func parseSub(fs *flag.FlagSet, name, usage string, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return cli.Usage(fmt.Errorf("%s: %w (see experiment %s -h)", name, err, name))
	}
	if fs.NArg() > 0 {
		return cli.Usage(fmt.Errorf("%s: unexpected argument %q (see experiment %s -h)", name, fs.Arg(0), name))
	}
	return nil
}

// noHelp turns the -h "error" into success.
func noHelp(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// runSample is "experiment sample".
func runSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	var (
		run string
		o   = experiment.SampleOptions{Announce: stderr}
	)
	runFlags(fs, &run, &o.Run)
	fs.StringVar(&o.Prompt, "prompt", "", "text the samples continue (default: none, the samples start a new document)")
	fs.IntVar(&o.Tokens, "tokens", experiment.DefaultSampleTokens, "tokens to draw per sample at most")
	fs.Float64Var(&o.Temperature, "temperature", experiment.DefaultSampleTemperature, "softmax temperature, above 0 (below 1: more likely tokens, above 1: more varied)")
	fs.IntVar(&o.TopK, "top-k", experiment.DefaultSampleTopK, "draw from the K most likely tokens only (0: from all)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the draws")
	fs.IntVar(&o.Count, "n", 1, "number of samples")
	dev := devflag.Register(fs, "cpu, cuda, cuda:N or auto (cuda when available); the same seed gives the same text on the CPU", os.Getenv)
	dev.Device, fs.Lookup("device").DefValue = "cpu", "cpu"
	if err := parseSub(fs, "sample", sampleUsage, args, stdout); err != nil {
		return noHelp(err)
	}
	switch {
	case run == "":
		return cli.Usage(errors.New("sample: -run DIR is required (see experiment sample -h)"))
	case o.Tokens < 1:
		return cli.Usage(fmt.Errorf("sample: -tokens %d: want at least 1", o.Tokens))
	case !(o.Temperature > 0) || math.IsInf(o.Temperature, 0):
		return cli.Usage(fmt.Errorf("sample: -temperature %v: want a number above 0", o.Temperature))
	case o.TopK < 0:
		return cli.Usage(fmt.Errorf("sample: -top-k %d: want 0 (every token) or more", o.TopK))
	case o.Count < 1:
		return cli.Usage(fmt.Errorf("sample: -n %d: want at least 1", o.Count))
	}
	if err := dev.Check(); err != nil {
		return cli.Usage(fmt.Errorf("sample: %w", err))
	}
	if o.TopK == 0 {
		o.TopK = -1 // every token (zero is the API's default)
	}
	d, err := dev.Open()
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if c, ok := d.(interface{ Close() error }); ok {
		defer c.Close()
	}
	o.Device = d
	err = experiment.Sample(ctx, stdout, run, o)
	if errors.Is(err, context.Canceled) {
		return cli.Interrupted(err)
	}
	return err
}

// runExport is "experiment export".
func runExport(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var (
		run, out string
		o        experiment.TrainedOptions
	)
	runFlags(fs, &run, &o)
	fs.StringVar(&out, "out", "", "folder to write (must not exist or be empty)")
	if err := parseSub(fs, "export", exportUsage, args, stdout); err != nil {
		return noHelp(err)
	}
	if run == "" || out == "" {
		return cli.Usage(errors.New("export: -run DIR and -out DIR2 are required (see experiment export -h)"))
	}
	if err := experiment.ExportHF(run, out, o); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %s to %s (transformers GPT2LMHeadModel and GPT2TokenizerFast)\n", run, out)
	return nil
}
