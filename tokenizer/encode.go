package tokenizer

import "math"

const (
	cacheMaxEntries = 1 << 15 // per-encoder cache of pre-token encodings (a few MB at most)
	cacheMaxIDs     = 1 << 18
	heapThreshold   = 128 // pre-tokens longer than this use the O(n log n) merger
)

// encoder holds one goroutine's scratch space and cache.
type encoder struct {
	t     *Tokenizer
	cache map[string]uint64 // pre-token -> (offset<<32 | length) into arena
	arena []uint32
	parts []uint32
	ranks []uint32
	heap  mergeHeap
	nodes []node
}

func newEncoder(t *Tokenizer) *encoder {
	return &encoder{t: t, cache: make(map[string]uint64, 1024)}
}

// Encode returns the token ids of text. Special tokens are recognised
// (longest first) and get their own ids; everything else is pre-tokenized
// and encoded by the merges. Large inputs are split and encoded on all
// cores.
func (t *Tokenizer) Encode(text []byte) []uint32 {
	if len(text) >= parallelMin {
		return t.encodeParallel(text)
	}
	e := t.getEncoder()
	out := e.encode(text, make([]uint32, 0, len(text)/3+8))
	t.putEncoder(e)
	return out
}

// encode appends the ids of text, special tokens included, to out.
func (e *encoder) encode(text []byte, out []uint32) []uint32 {
	if len(e.t.specs.tokens) == 0 {
		return e.encodeOrdinary(text, out)
	}
	sc := e.t.specs.scanner(text)
	for pos := 0; pos < len(text); {
		start, k := sc.find(pos)
		if start < 0 {
			return e.encodeOrdinary(text[pos:], out)
		}
		out = e.encodeOrdinary(text[pos:start], out)
		out = append(out, e.t.specs.ids[k])
		pos = start + len(e.t.specs.tokens[k])
	}
	return out
}

// encodeOrdinary appends the ids of text, which is treated as holding no
// special tokens.
func (e *encoder) encodeOrdinary(text []byte, out []uint32) []uint32 {
	t := e.t
	for i := 0; i < len(text); {
		j := pretokenEnd(text, i)
		piece := text[i:j]
		i = j
		// As tiktoken does: a pre-token that is itself a token is that token.
		if id, ok := t.tokenID[string(piece)]; ok {
			out = append(out, id)
			continue
		}
		if v, ok := e.cache[string(piece)]; ok {
			out = append(out, e.arena[v>>32:v>>32+v&math.MaxUint32]...)
			continue
		}
		n0 := len(out)
		out = e.bpe(piece, out)
		if len(e.cache) >= cacheMaxEntries || len(e.arena) >= cacheMaxIDs {
			clear(e.cache)
			e.arena = e.arena[:0]
		}
		e.cache[string(piece)] = uint64(len(e.arena))<<32 | uint64(len(out)-n0)
		e.arena = append(e.arena, out[n0:]...)
	}
	return out
}

// bpe appends the ids of one pre-token: starting from its bytes, it merges
// the adjacent pair of lowest rank (leftmost on ties) until none is left.
func (e *encoder) bpe(piece []byte, out []uint32) []uint32 {
	if len(piece) > heapThreshold {
		return e.bpeHeap(piece, out)
	}
	t := e.t
	parts := e.parts[:0]
	for _, c := range piece {
		parts = append(parts, t.byteID[c])
	}
	// ranks[i] is the rank of the pair (parts[i], parts[i+1]).
	ranks := e.ranks[:0]
	for i := 0; i+1 < len(parts); i++ {
		ranks = append(ranks, t.rankOf(parts[i], parts[i+1]))
	}
	for len(parts) > 1 {
		best, at := uint32(math.MaxUint32), -1
		for i, r := range ranks {
			if r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		parts[at] = uint32(t.pairs[pairKey(parts[at], parts[at+1])])
		parts = append(parts[:at+1], parts[at+2:]...)
		ranks = append(ranks[:at], ranks[at+1:]...)
		if at > 0 {
			ranks[at-1] = t.rankOf(parts[at-1], parts[at])
		}
		if at < len(ranks) {
			ranks[at] = t.rankOf(parts[at], parts[at+1])
		}
	}
	e.parts, e.ranks = parts, ranks
	return append(out, parts...)
}

// rankOf is the merge rank of a pair, or MaxUint32 when it does not merge.
func (t *Tokenizer) rankOf(a, b uint32) uint32 {
	if v, ok := t.pairs[pairKey(a, b)]; ok {
		return uint32(v >> 32)
	}
	return math.MaxUint32
}
