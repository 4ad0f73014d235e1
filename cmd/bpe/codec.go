package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/empirical-scaling/harness/tokenizer"
)

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
