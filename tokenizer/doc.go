// Package tokenizer is a from-scratch byte-level BPE tokenizer: a trainer,
// an encoder and a decoder, reading and writing GPT-2's vocab.json and
// merges.txt.
//
// Pre-tokenization follows GPT-2's pattern
//
//	'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// written by hand (Go's regexp has no lookahead). Special tokens are split
// out first (longest match first) and are never merged or split. With the
// GPT-2 files the token ids are identical to tiktoken's gpt2 encoding.
//
// Bytes that are not valid UTF-8 are treated by the pre-tokenizer as one
// character each of the "other" class (neither letter, number nor space),
// which is how tiktoken classifies the U+FFFD it substitutes for them; unlike
// tiktoken the original bytes are kept, so Decode(Encode(x)) == x for any x.
package tokenizer
