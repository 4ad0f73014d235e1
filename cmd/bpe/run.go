package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/empirical-scaling/harness/tokenizer"
)

const usage = `usage:
  bpe train -vocab-size N [-special TOKEN]... -out DIR FILE...
  bpe encode -vocab FILE -merges FILE [-special TOKEN]... [-format json|bin] FILE
  bpe decode -vocab FILE -merges FILE [-special TOKEN]... [-format json|bin] FILE
FILE may be "-" for standard input.`

// progressMin is the input size from which train shows a progress bar.
const progressMin = 8 << 20

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef formats a usageError.
func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// run executes one bpe command and returns the exit status. Every failure
// is reported as one line on stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "bpe: no command given: want train, encode or decode (bpe -h for usage)")
		return 2
	}
	var err error
	switch args[0] {
	case "train":
		err = runTrain(ctx, args[1:], stdin, stderr)
	case "encode":
		err = runEncode(ctx, args[1:], stdin, stdout)
	case "decode":
		err = runDecode(args[1:], stdin, stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stderr, usage)
		return 0
	default:
		err = usagef("unknown command %q: want train, encode or decode", args[0])
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(stderr, usage)
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "bpe: %s (bpe -h for usage)\n", oneLine(err.Error()))
		return 2
	default:
		fmt.Fprintf(stderr, "bpe: %s\n", oneLine(err.Error()))
		return 1
	}
}

// oneLine keeps an error message on a single line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// specialList is a repeatable -special flag.
type specialList []string

func (s *specialList) String() string { return strings.Join(*s, ",") }
func (s *specialList) Set(v string) error {
	if v == "" {
		return errors.New("a special token cannot be empty")
	}
	*s = append(*s, v)
	return nil
}

// parse parses flags quietly (errors come back, not printed) and returns the
// positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usagef("%s: %v", fs.Name(), err)
	}
	return fs.Args(), nil
}

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

// codecFlags are the flags encode and decode share.
type codecFlags struct {
	vocab, merges, format string
	specials              specialList
}

func parseCodec(name string, args []string) (*codecFlags, string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c := &codecFlags{}
	fs.StringVar(&c.vocab, "vocab", "", "GPT-2 style vocab.json")
	fs.StringVar(&c.merges, "merges", "", "GPT-2 style merges.txt")
	fs.StringVar(&c.format, "format", "json", "ids as json (one array) or bin (little-endian uint16, uint32 for vocabularies over 65536)")
	fs.Var(&c.specials, "special", "special token (repeatable)")
	rest, err := parse(fs, args)
	if err != nil {
		return nil, "", err
	}
	switch {
	case c.vocab == "" || c.merges == "":
		return nil, "", usagef("%s: -vocab FILE and -merges FILE are required", name)
	case c.format != "json" && c.format != "bin":
		return nil, "", usagef("%s: -format must be json or bin, not %q", name, c.format)
	case len(rest) != 1:
		return nil, "", usagef("%s: want exactly one input FILE, got %d", name, len(rest))
	}
	return c, rest[0], nil
}

// openInput opens a named file, or stdin for "-".
func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("opening input: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("input %s is a directory", name)
	}
	return f, nil
}

func runEncode(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	c, input, err := parseCodec("encode", args)
	if err != nil {
		return err
	}
	tok, err := tokenizer.Load(c.vocab, c.merges, c.specials)
	if err != nil {
		return err
	}
	in, err := openInput(input, stdin)
	if err != nil {
		return err
	}
	defer in.Close()
	w := bufio.NewWriterSize(stdout, 1<<20)
	enc := newIDWriter(w, c.format, tok.VocabSize())
	if err := tok.EncodeStream(ctx, in, enc.write); err != nil {
		return fmt.Errorf("encoding %s: %w", input, err)
	}
	if err := enc.close(); err != nil {
		return fmt.Errorf("writing ids: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing ids: %w", err)
	}
	return nil
}

func runDecode(args []string, stdin io.Reader, stdout io.Writer) error {
	c, input, err := parseCodec("decode", args)
	if err != nil {
		return err
	}
	tok, err := tokenizer.Load(c.vocab, c.merges, c.specials)
	if err != nil {
		return err
	}
	in, err := openInput(input, stdin)
	if err != nil {
		return err
	}
	defer in.Close()
	// The output is the text of every id before the first bad one.
	w := bufio.NewWriterSize(stdout, 1<<20)
	var text []byte
	var done int64
	err = readIDs(bufio.NewReaderSize(in, 1<<20), c.format, tok.VocabSize(), func(ids []uint32) error {
		var err error
		text, err = tok.AppendDecode(text[:0], ids)
		if _, werr := w.Write(text); werr != nil {
			return fmt.Errorf("writing text: %w", werr)
		}
		var bad *tokenizer.UnknownIDError
		if errors.As(err, &bad) {
			return fmt.Errorf("id %d at position %d is not in the vocabulary of %d", bad.ID, done+int64(bad.Position), bad.VocabSize)
		}
		if err != nil {
			return err
		}
		done += int64(len(ids))
		return nil
	})
	if ferr := w.Flush(); err == nil && ferr != nil {
		return fmt.Errorf("writing text: %w", ferr)
	}
	if err != nil {
		return fmt.Errorf("decoding %s: %w", input, err)
	}
	return nil
}
