// Package data turns text into token shards and shards into batches: the
// corpus sources (TinyStories download, local text, built-in synthetic
// stories), tokenizer training, uint16 shards behind a checksummed header,
// memory-mapped reading, content-keyed caching, the seeded sampler and the
// fixed validation set.
package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"

	"github.com/empirical-scaling/harness/data/internal/mmap"
	"github.com/empirical-scaling/harness/internal/crc32c"
)

// Shard file format (little-endian), version 1:
//
//	offset size field
//	0      8    magic "TOKSHARD"
//	8      4    format version (1)
//	12     4    vocabulary size (tokens are < it, and it is <= 65536)
//	16     8    token count n
//	24     4    CRC-32C (Castagnoli) of the payload
//	28     4    CRC-32C of bytes 0..28 of the header
//	32     2n   tokens, uint16 each
const (
	shardMagic      = "TOKSHARD"
	shardVersion    = 1
	shardHeaderSize = 32
	// MaxVocab is the largest vocabulary a uint16 shard can hold.
	MaxVocab = 1 << 16
)

// ErrCorrupt is wrapped by every error about a truncated, damaged or
// mismatched shard.
var ErrCorrupt = errors.New("corrupt shard")

// shardHeader is the decoded header.
type shardHeader struct {
	vocab    uint32
	count    uint64
	checksum uint32
}

func (h shardHeader) encode() []byte {
	b := make([]byte, shardHeaderSize)
	copy(b, shardMagic)
	binary.LittleEndian.PutUint32(b[8:], shardVersion)
	binary.LittleEndian.PutUint32(b[12:], h.vocab)
	binary.LittleEndian.PutUint64(b[16:], h.count)
	binary.LittleEndian.PutUint32(b[24:], h.checksum)
	binary.LittleEndian.PutUint32(b[28:], crc32c.Checksum(b[:28]))
	return b
}

func decodeHeader(b []byte) (shardHeader, error) {
	if len(b) < shardHeaderSize {
		return shardHeader{}, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrCorrupt, len(b), shardHeaderSize)
	}
	if string(b[:8]) != shardMagic {
		return shardHeader{}, fmt.Errorf("%w: bad magic %q, not a token shard", ErrCorrupt, b[:8])
	}
	if got, want := binary.LittleEndian.Uint32(b[28:]), crc32c.Checksum(b[:28]); got != want {
		return shardHeader{}, fmt.Errorf("%w: header checksum %08x, computed %08x", ErrCorrupt, got, want)
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != shardVersion {
		return shardHeader{}, fmt.Errorf("%w: format version %d, this build reads version %d", ErrCorrupt, v, shardVersion)
	}
	h := shardHeader{
		vocab:    binary.LittleEndian.Uint32(b[12:]),
		count:    binary.LittleEndian.Uint64(b[16:]),
		checksum: binary.LittleEndian.Uint32(b[24:]),
	}
	if h.vocab == 0 || h.vocab > MaxVocab {
		return shardHeader{}, fmt.Errorf("%w: vocabulary size %d out of range 1..%d", ErrCorrupt, h.vocab, MaxVocab)
	}
	return h, nil
}

// Shard is a read-only, memory-mapped token shard.
type Shard struct {
	path   string
	vocab  int
	tokens []uint16
	unmap  func() error
}

// hostLittleEndian is true when uint16 in memory matches the file layout.
var hostLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// OpenShard maps a shard and verifies it: magic, version, header checksum,
// file length against the token count, and the payload checksum. A
// truncated or damaged file is an error wrapping ErrCorrupt.
func OpenShard(path string) (*Shard, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open shard: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open shard %s: %w", path, err)
	}
	head := make([]byte, shardHeaderSize)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("shard %s: %w: file has %d bytes, shorter than the header", path, ErrCorrupt, st.Size())
	}
	h, err := decodeHeader(head)
	if err != nil {
		return nil, fmt.Errorf("shard %s: %w", path, err)
	}
	want := int64(shardHeaderSize) + 2*int64(h.count)
	if h.count > 1<<62 || st.Size() != want {
		return nil, fmt.Errorf("shard %s: %w: file has %d bytes, header promises %d tokens (%d bytes); truncated or overwritten",
			path, ErrCorrupt, st.Size(), h.count, want)
	}
	data, unmap, err := mmap.Map(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("map shard %s: %w", path, err)
	}
	payload := data[shardHeaderSize:]
	if got := crc32c.Checksum(payload); got != h.checksum {
		_ = unmap()
		return nil, fmt.Errorf("shard %s: %w: payload checksum %08x, header says %08x", path, ErrCorrupt, got, h.checksum)
	}
	s := &Shard{path: path, vocab: int(h.vocab), unmap: unmap}
	switch {
	case h.count == 0:
		s.tokens = []uint16{}
	case hostLittleEndian:
		s.tokens = unsafe.Slice((*uint16)(unsafe.Pointer(&payload[0])), h.count)
	default:
		s.tokens = make([]uint16, h.count)
		for i := range s.tokens {
			s.tokens[i] = binary.LittleEndian.Uint16(payload[2*i:])
		}
	}
	return s, nil
}

// Tokens returns the shard's tokens. The slice is read-only memory and is
// invalid after Close.
func (s *Shard) Tokens() []uint16 { return s.tokens }

// Len returns the number of tokens.
func (s *Shard) Len() int { return len(s.tokens) }

// VocabSize returns the vocabulary size recorded in the header.
func (s *Shard) VocabSize() int { return s.vocab }

// Path returns the file the shard was opened from.
func (s *Shard) Path() string { return s.path }

// Close unmaps the shard. It is safe to call more than once.
func (s *Shard) Close() error {
	if s == nil || s.unmap == nil {
		return nil
	}
	err := s.unmap()
	s.unmap, s.tokens = nil, nil
	if err != nil {
		return fmt.Errorf("unmap shard %s: %w", s.path, err)
	}
	return nil
}
