package data

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash"

	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/internal/crc32c"
)

// ShardWriter streams tokens into a new shard. Nothing appears at the
// final path until Commit, which writes the header and moves the file into
// place atomically.
type ShardWriter struct {
	f       *atomicfile.File
	w       *bufio.Writer
	crc     hash.Hash32
	vocab   int
	count   uint64
	scratch []byte
}

// CreateShard starts a shard for tokens below vocabSize (at most MaxVocab).
func CreateShard(path string, vocabSize int) (*ShardWriter, error) {
	if vocabSize <= 0 || vocabSize > MaxVocab {
		return nil, fmt.Errorf("create shard %s: vocabulary size %d out of range 1..%d", path, vocabSize, MaxVocab)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create shard: %w", err)
	}
	w := &ShardWriter{f: f, w: bufio.NewWriterSize(f, 1<<20), crc: crc32c.New(), vocab: vocabSize}
	// The header is written last, over these zeros, once the count and
	// checksum are known.
	if _, err := w.w.Write(make([]byte, shardHeaderSize)); err != nil {
		w.Abort()
		return nil, fmt.Errorf("create shard %s: %w", path, err)
	}
	return w, nil
}

// Write appends tokens; a token outside the vocabulary is an error.
func (w *ShardWriter) Write(ids []uint32) error {
	if cap(w.scratch) < 2*len(ids) {
		w.scratch = make([]byte, 2*len(ids))
	}
	b := w.scratch[:2*len(ids)]
	for i, id := range ids {
		if id >= uint32(w.vocab) {
			return fmt.Errorf("write shard %s: token %d at position %d is outside the vocabulary of %d", w.f.Path(), id, w.count+uint64(i), w.vocab)
		}
		binary.LittleEndian.PutUint16(b[2*i:], uint16(id))
	}
	w.crc.Write(b)
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("write shard %s: %w", w.f.Path(), err)
	}
	w.count += uint64(len(ids))
	return nil
}

// Count returns the number of tokens written so far.
func (w *ShardWriter) Count() uint64 { return w.count }

// Commit writes the header and moves the shard into place atomically
// (synced, fixed permissions, folder synced).
func (w *ShardWriter) Commit() error {
	err := w.w.Flush()
	if err == nil {
		h := shardHeader{vocab: uint32(w.vocab), count: w.count, checksum: w.crc.Sum32()}
		_, err = w.f.WriteAt(h.encode(), 0)
	}
	if err != nil {
		w.f.Abort()
		return fmt.Errorf("commit shard %s: %w", w.f.Path(), err)
	}
	if err := w.f.Commit(); err != nil {
		return fmt.Errorf("commit shard: %w", err)
	}
	return nil
}

// Abort discards the unfinished shard.
func (w *ShardWriter) Abort() { w.f.Abort() }

// WriteShard writes tokens as a complete shard at path.
func WriteShard(path string, vocabSize int, tokens []uint32) error {
	w, err := CreateShard(path, vocabSize)
	if err != nil {
		return err
	}
	if err := w.Write(tokens); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}
