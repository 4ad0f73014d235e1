package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/empirical-scaling/harness/tokenizer"
)

// runTrain is "bpe train": the FILEs are read one after another as one text
// (as cat joins them), and DIR gets vocab.json and merges.txt.
func runTrain(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	vocabSize := fs.Int("vocab-size", 0, "final vocabulary size, bytes and specials included")
	out := fs.String("out", "", "directory for vocab.json and merges.txt")
	var specials specialList
	fs.Var(&specials, "special", "special token (repeatable)")
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *vocabSize <= 0:
		return usagef("train: -vocab-size N is required and must be positive")
	case *out == "":
		return usagef("train: -out DIR is required")
	case len(files) == 0:
		return usagef("train: no input FILE given")
	}
	if base := 256 + distinct(specials); *vocabSize < base {
		return usagef("train: -vocab-size %d is below the 256 bytes and %d special token(s): want at least %d", *vocabSize, base-256, base)
	}
	readers := make([]io.Reader, 0, len(files))
	var total int64
	for _, name := range files {
		if name == "-" {
			readers = append(readers, stdin)
			total += progressMin // unknown size: show progress
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("opening training text: %w", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			if st.IsDir() {
				return fmt.Errorf("training text %s is a directory", name)
			}
			total += st.Size()
		}
		readers = append(readers, f)
	}
	opts := tokenizer.TrainOptions{VocabSize: *vocabSize, Specials: specials}
	if total >= progressMin {
		opts.Progress = stderr
	}
	tok, err := tokenizer.Train(ctx, io.MultiReader(readers...), opts)
	if err != nil {
		return fmt.Errorf("training: %w", err)
	}
	if err := tok.Save(*out); err != nil {
		return err
	}
	if tok.VocabSize() < *vocabSize {
		fmt.Fprintf(stderr, "bpe: note: the text ran out of pairs to merge at vocab size %d\n", tok.VocabSize())
	}
	return nil
}

// distinct counts the different strings of ss.
func distinct(ss []string) int {
	seen := map[string]bool{}
	for _, s := range ss {
		seen[s] = true
	}
	return len(seen)
}
