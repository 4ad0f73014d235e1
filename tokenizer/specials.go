package tokenizer

import (
	"bytes"
	"sort"
)

// specialSet finds special tokens in text: leftmost occurrence first and,
// among occurrences that start at the same byte, the longest.
type specialSet struct {
	tokens [][]byte // longest first
	ids    []uint32 // ids[i] is the id of tokens[i]
	maxLen int
}

func newSpecialSet(tokens []string, ids []uint32) *specialSet {
	s := &specialSet{}
	order := make([]int, len(tokens))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return len(tokens[order[a]]) > len(tokens[order[b]])
	})
	for _, i := range order {
		s.tokens = append(s.tokens, []byte(tokens[i]))
		s.ids = append(s.ids, ids[i])
		s.maxLen = max(s.maxLen, len(tokens[i]))
	}
	return s
}

// specialScanner walks the special-token occurrences of one text in order.
// It remembers where each token next occurs so that the text is scanned
// once per token overall, not once per occurrence.
type specialScanner struct {
	set  *specialSet
	text []byte
	next []int // next[k]: start of the next occurrence of token k at or after the last query, or -1
}

func (s *specialSet) scanner(text []byte) *specialScanner {
	sc := &specialScanner{set: s, text: text, next: make([]int, len(s.tokens))}
	for k := range sc.next {
		sc.next[k] = -2 // not searched yet
	}
	return sc
}

// find returns the start and the index of the first special token at or
// after from, or (-1, -1) when there is none.
func (sc *specialScanner) find(from int) (int, int) {
	best, bestK := -1, -1
	for k, tok := range sc.set.tokens {
		if len(tok) == 0 {
			continue
		}
		p := sc.next[k]
		if p == -2 || (p >= 0 && p < from) {
			p = -1
			if from <= len(sc.text) {
				if q := bytes.Index(sc.text[from:], tok); q >= 0 {
					p = from + q
				}
			}
			sc.next[k] = p
		}
		// tokens are longest first, so on a tie the earlier k wins.
		if p >= 0 && (best < 0 || p < best) {
			best, bestK = p, k
		}
	}
	return best, bestK
}

// spansCut reports whether an occurrence of a special token contains both
// text[p-1] and text[p], so that cutting text at p would split it.
func (s *specialSet) spansCut(text []byte, p int) bool {
	for _, tok := range s.tokens {
		if len(tok) < 2 {
			continue
		}
		lo := max(0, p-len(tok)+1)
		hi := min(len(text), p+len(tok)-1)
		if lo < hi && bytes.Contains(text[lo:hi], tok) {
			return true
		}
	}
	return false
}
