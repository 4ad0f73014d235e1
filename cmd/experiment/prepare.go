package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/data"
	"github.com/empirical-scaling/harness/internal/cli"
)

const prepareUsage = `usage: experiment prepare [flags]

Downloads or generates the corpus, trains (or loads) the tokenizer and
encodes the token shards into the cache; a second run with the same inputs
returns at once. Sources: tinystories, synthetic, or a path to a .txt file
or a folder of .txt files.

flags:
`

// runPrepare is "experiment prepare".
func runPrepare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("prepare", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		opts     data.Options
		synth    = sizeFlag(0)
		sample   = sizeFlag(0)
		quiet    bool
		seed     uint64
		vocab    int
		source   string
		cacheDir string
	)
	fs.StringVar(&source, "data", "synthetic", "data source: synthetic (the knowledge chronicle; synthetic:zipf=S,entities=K for other knobs), synthetic-v1 (the first generator's stories), tinystories, fineweb-edu, hf:OWNER/NAME[:PATH-OR-GLOB][@REVISION], or a path to a .txt/.parquet file or folder of them")
	fs.StringVar(&opts.TextColumn, "text-column", "", "the text column of Parquet data (default text)")
	fs.StringVar(&cacheDir, "cache", "", "cache folder (default: the user cache dir + /scaling-harness)")
	fs.StringVar(&opts.HFEndpoint, "hf-endpoint", "", "Hugging Face endpoint for tinystories, fineweb-edu and hf: sources (default: $HF_ENDPOINT or https://huggingface.co)")
	fs.IntVar(&vocab, "vocab-size", 0, fmt.Sprintf("tokenizer vocabulary to train (default %d for tinystories and local text, %d for synthetic)", data.DefaultVocabTinyStories, data.DefaultVocabSynthetic))
	fs.StringVar(&opts.TokenizerDir, "tokenizer", "", "gpt2 for GPT-2's tokenizer (50,257 tokens, fetched from the Hub once), or DIR to load DIR/vocab.json and DIR/merges.txt, instead of training a tokenizer (a folder named gpt2: ./gpt2)")
	fs.Var(&synth, "synthetic-size", fmt.Sprintf("size of the generated training text, e.g. 64MiB (default %dMiB)", data.DefaultSyntheticBytes>>20))
	fs.Var(&sample, "tokenizer-sample", fmt.Sprintf("training text the tokenizer learns from, e.g. 16MiB (default %dMiB)", data.DefaultTokenizerSample>>20))
	fs.Uint64Var(&seed, "seed", 0, "seed of the synthetic stories")
	fs.BoolVar(&quiet, "quiet", false, "no progress bars")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, prepareUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil
		}
		return cli.Usage(fmt.Errorf("prepare: %w (see experiment prepare -h)", err))
	}
	if fs.NArg() > 0 {
		return cli.Usagef("prepare: unexpected argument %q (see experiment prepare -h)", fs.Arg(0))
	}
	// Mistakes in the command line (exit status 2), found before any work.
	switch source {
	case "synthetic", "tinystories", data.FineWebEdu:
	default:
		if strings.HasPrefix(source, data.HubPrefix) {
			break
		}
		if _, err := os.Stat(source); err != nil {
			return cli.Usagef("prepare: -data %s is not tinystories, synthetic, fineweb-edu, hf:OWNER/NAME, or an existing file or folder: %v", source, err)
		}
	}
	if vocab != 0 && opts.TokenizerDir == "" && (vocab < 257 || vocab > data.MaxVocab) {
		return cli.Usagef("prepare: -vocab-size %d out of range: want 257 to %d (the 256 bytes and %s, and uint16 shards)", vocab, data.MaxVocab, data.EOT)
	}
	if opts.TokenizerDir == data.TokenizerGPT2 {
		opts.Tokenizer, opts.TokenizerDir = data.TokenizerGPT2, ""
	}
	opts.Source, opts.CacheDir, opts.VocabSize, opts.Seed = source, cacheDir, vocab, seed
	opts.SyntheticBytes, opts.TokenizerSample = int64(synth), int64(sample)
	if !quiet {
		opts.Progress = stderr
	}
	start := time.Now()
	ds, err := data.Prepare(ctx, opts)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	defer ds.Close()
	printSummary(stdout, ds, time.Since(start))
	return nil
}

func printSummary(w io.Writer, ds *data.Dataset, took time.Duration) {
	m := ds.Meta
	how := fmt.Sprintf("built in %.1fs", took.Seconds())
	if ds.Cached {
		how = fmt.Sprintf("from the cache in %.2fs", took.Seconds())
	}
	fmt.Fprintf(w, "dataset    %s (%s)\n", ds.Dir, how)
	fmt.Fprintf(w, "source     %s\n", m.Source)
	fmt.Fprintf(w, "tokenizer  %d tokens, %s/%s\n", m.VocabSize, ds.Dir, data.TokenizerSub)
	for _, p := range []struct {
		name                string
		tokens, bytes, docs int64
	}{{"train", m.TrainTokens, m.TrainBytes, m.TrainDocs}, {"validation", m.ValTokens, m.ValBytes, m.ValDocs}} {
		perTok := 0.0
		if p.tokens > 0 {
			perTok = float64(p.bytes) / float64(p.tokens)
		}
		fmt.Fprintf(w, "%-10s %s tokens from %s documents (%.1f MB of text, %.2f bytes/token)\n",
			p.name, group(p.tokens), group(p.docs), float64(p.bytes)/1e6, perTok)
	}
}

// group writes n with thousands separators.
func group(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
