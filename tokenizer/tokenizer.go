package tokenizer

import (
	"fmt"
	"runtime"
)

// Tokenizer is a byte-level BPE tokenizer: a vocabulary of byte strings, the
// ordered merges that build it from single bytes, and special tokens. It is
// safe for concurrent use.
type Tokenizer struct {
	vocab    [][]byte          // id -> bytes; nil for an id that is not used
	special  []bool            // id -> is a special token
	tokenID  map[string]uint32 // bytes -> id, for single bytes and merge results
	byteID   [256]uint32       // id of each single byte
	pairs    map[uint64]uint64 // (a<<32 | b) -> (rank<<32 | merged id)
	merges   [][2]uint32       // rank -> the pair it merges
	specs    *specialSet
	specID   map[string]uint32
	encoders chan *encoder // idle encoders, each with its own warm cache
}

// getEncoder takes an idle encoder or makes one. Unlike a sync.Pool the
// idle encoders survive garbage collections, so their caches stay warm.
func (t *Tokenizer) getEncoder() *encoder {
	select {
	case e := <-t.encoders:
		return e
	default:
		return newEncoder(t)
	}
}

// putEncoder returns an encoder for reuse, dropping it when enough are idle.
func (t *Tokenizer) putEncoder(e *encoder) {
	select {
	case t.encoders <- e:
	default:
	}
}

// pairKey packs an ordered pair of ids.
func pairKey(a, b uint32) uint64 { return uint64(a)<<32 | uint64(b) }

// build checks a vocabulary, its merges and its special tokens for
// consistency and derives the lookup tables. vocab[id] is nil for unused ids;
// specials name ids that are special tokens.
func build(vocab [][]byte, merges [][2]uint32, specials []string, specialIDs []uint32) (*Tokenizer, error) {
	t := &Tokenizer{
		vocab:   vocab,
		special: make([]bool, len(vocab)),
		tokenID: make(map[string]uint32, len(vocab)),
		pairs:   make(map[uint64]uint64, len(merges)),
		merges:  merges,
		specID:  make(map[string]uint32, len(specials)),
	}
	for i, s := range specials {
		id := specialIDs[i]
		if int(id) >= len(vocab) || vocab[id] == nil {
			return nil, fmt.Errorf("special token %q: id %d is not in the vocabulary", s, id)
		}
		if prev, dup := t.specID[s]; dup && prev != id {
			return nil, fmt.Errorf("special token %q has two ids, %d and %d", s, prev, id)
		}
		if s == "" {
			return nil, fmt.Errorf("special token with id %d is empty", id)
		}
		t.special[id] = true
		t.specID[s] = id
	}
	var seen [256]bool
	for id, b := range vocab {
		if len(b) == 1 && !t.special[id] && !seen[b[0]] {
			seen[b[0]] = true
			t.byteID[b[0]] = uint32(id)
			t.tokenID[string(b)] = uint32(id)
		}
	}
	for c, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("vocabulary has no token for the single byte 0x%02x", c)
		}
	}
	index := make(map[string]uint32, len(vocab)) // every regular token
	for id, b := range vocab {
		if b != nil && !t.special[id] {
			if _, dup := index[string(b)]; !dup {
				index[string(b)] = uint32(id)
			}
		}
	}
	for rank, m := range merges {
		a, b := m[0], m[1]
		for _, x := range m {
			if int(x) >= len(vocab) || vocab[x] == nil || t.special[x] {
				return nil, fmt.Errorf("merge %d: id %d is not a regular token", rank+1, x)
			}
		}
		joined := string(vocab[a]) + string(vocab[b])
		id, ok := index[joined]
		if !ok {
			return nil, fmt.Errorf("merge %d: the merged token %q is not in the vocabulary", rank+1, joined)
		}
		if _, known := t.tokenID[joined]; !known {
			t.tokenID[joined] = id
		}
		if _, dup := t.pairs[pairKey(a, b)]; dup {
			continue // a repeated merge never applies again; keep the first rank
		}
		t.pairs[pairKey(a, b)] = uint64(rank)<<32 | uint64(id)
	}
	specIDs := make([]uint32, 0, len(t.specID))
	specToks := make([]string, 0, len(t.specID))
	for s, id := range t.specID {
		specToks = append(specToks, s)
		specIDs = append(specIDs, id)
	}
	t.specs = newSpecialSet(specToks, specIDs)
	t.encoders = make(chan *encoder, runtime.GOMAXPROCS(0))
	return t, nil
}

// VocabSize is the number of ids: one more than the largest id in use.
func (t *Tokenizer) VocabSize() int { return len(t.vocab) }

// SpecialID returns the id of a special token.
func (t *Tokenizer) SpecialID(token string) (uint32, bool) {
	id, ok := t.specID[token]
	return id, ok
}

// Specials returns the special tokens, longest first.
func (t *Tokenizer) Specials() []string {
	out := make([]string, len(t.specs.tokens))
	for i, b := range t.specs.tokens {
		out[i] = string(b)
	}
	return out
}

// NumMerges is the number of merges.
func (t *Tokenizer) NumMerges() int { return len(t.merges) }

// TokenBytes returns the bytes of one token (a copy), or an error for an
// unknown id.
func (t *Tokenizer) TokenBytes(id uint32) ([]byte, error) {
	if int(id) >= len(t.vocab) || t.vocab[id] == nil {
		return nil, fmt.Errorf("token id %d is not in the vocabulary of %d", id, len(t.vocab))
	}
	return append([]byte(nil), t.vocab[id]...), nil
}
