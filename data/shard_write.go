package data

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"os"
	"path/filepath"
)

// ShardWriter streams tokens into a new shard. Nothing appears at the
// final path until Commit, which writes the header, syncs and renames.
type ShardWriter struct {
	path    string
	f       *os.File
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
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create shard: %w", err)
	}
	w := &ShardWriter{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20), crc: crc32.New(castagnoli), vocab: vocabSize}
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
			return fmt.Errorf("write shard %s: token %d at position %d is outside the vocabulary of %d", w.path, id, w.count+uint64(i), w.vocab)
		}
		binary.LittleEndian.PutUint16(b[2*i:], uint16(id))
	}
	w.crc.Write(b)
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("write shard %s: %w", w.path, err)
	}
	w.count += uint64(len(ids))
	return nil
}

// Count returns the number of tokens written so far.
func (w *ShardWriter) Count() uint64 { return w.count }

// Commit finishes the shard and moves it into place atomically.
func (w *ShardWriter) Commit() error {
	tmp := w.f.Name()
	err := w.w.Flush()
	if err == nil {
		h := shardHeader{vocab: uint32(w.vocab), count: w.count, checksum: w.crc.Sum32()}
		_, err = w.f.WriteAt(h.encode(), 0)
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, w.path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("commit shard %s: %w", w.path, err)
	}
	return nil
}

// Abort discards the unfinished shard.
func (w *ShardWriter) Abort() {
	_ = w.f.Close()
	_ = os.Remove(w.f.Name())
}

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
