// Command bpe trains a byte-level BPE tokenizer and encodes or decodes text
// with one (GPT-2 vocab.json + merges.txt files):
//
//	bpe train -vocab-size N [-special TOKEN]... -out DIR FILE...
//	bpe encode -vocab FILE -merges FILE [-special TOKEN]... [-format json|bin] FILE
//	bpe decode -vocab FILE -merges FILE [-special TOKEN]... [-format json|bin] FILE
//
// FILE may be "-" for standard input. encode writes the ids to standard
// output as one JSON array (json, the default) or as little-endian uint16
// (bin; uint32 when the vocabulary has more than 65536 ids); decode reads
// ids in the same formats and writes the bytes they stand for.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
