package tokenizer

import (
	"bytes"
	"container/heap"
)

// merger runs the BPE merge loop over a multiset of words. Pair counts are
// kept up to date incrementally: a merge touches only the words that
// contain the merged pair, found through an index from pair to words.
type merger struct {
	vocab  [][]byte
	merges [][2]uint32

	syms  []int32 // all words' symbols, word w at syms[start[w] : start[w]+length[w]]
	start []int32
	size  []int32
	freq  []int64

	pairCount map[uint64]int64
	pairWords map[uint64][]int32 // words that contain (or once contained) the pair
	best      pairHeap
	seen      []int32 // seen[w] == stamp when word w was handled in this step
	stamp     int32
	delta     map[uint64]int64
}

func newMerger(wc *wordCounts, byteID *[256]int32, vocab [][]byte) *merger {
	m := &merger{
		vocab:     vocab,
		start:     make([]int32, len(wc.words)),
		size:      make([]int32, len(wc.words)),
		freq:      wc.count,
		pairCount: make(map[uint64]int64),
		pairWords: make(map[uint64][]int32),
		seen:      make([]int32, len(wc.words)),
		delta:     make(map[uint64]int64),
	}
	total := 0
	for _, w := range wc.words {
		total += len(w)
	}
	m.syms = make([]int32, 0, total)
	for w, word := range wc.words {
		m.start[w] = int32(len(m.syms))
		m.size[w] = int32(len(word))
		for i := 0; i < len(word); i++ {
			m.syms = append(m.syms, byteID[word[i]])
		}
		s := m.word(w)
		for i := 0; i+1 < len(s); i++ {
			k := pairKey(uint32(s[i]), uint32(s[i+1]))
			m.pairCount[k] += m.freq[w]
			if l := m.pairWords[k]; len(l) == 0 || l[len(l)-1] != int32(w) {
				m.pairWords[k] = append(l, int32(w))
			}
		}
	}
	m.best = pairHeap{vocab: &m.vocab}
	for k, c := range m.pairCount {
		m.best.items = append(m.best.items, pairItem{count: c, key: k})
	}
	heap.Init(&m.best)
	return m
}

func (m *merger) word(w int) []int32 { return m.syms[m.start[w] : m.start[w]+m.size[w]] }

// step merges the best pair; it returns false when no pair is left.
func (m *merger) step() bool {
	var key uint64
	for {
		if m.best.Len() == 0 {
			return false
		}
		it := heap.Pop(&m.best).(pairItem)
		if c, ok := m.pairCount[it.key]; ok && c == it.count {
			key = it.key
			break
		}
	}
	a, b := int32(key>>32), int32(uint32(key))
	id := int32(len(m.vocab))
	joined := make([]byte, 0, len(m.vocab[a])+len(m.vocab[b]))
	joined = append(append(joined, m.vocab[a]...), m.vocab[b]...)
	m.vocab = append(m.vocab, joined)
	m.merges = append(m.merges, [2]uint32{uint32(a), uint32(b)})

	m.stamp++
	clear(m.delta)
	for _, w := range m.pairWords[key] {
		if m.seen[w] == m.stamp {
			continue
		}
		m.seen[w] = m.stamp
		m.mergeWord(int(w), a, b, id)
	}
	delete(m.pairWords, key)
	for k, d := range m.delta {
		if d == 0 {
			continue
		}
		c := m.pairCount[k] + d
		if c <= 0 {
			delete(m.pairCount, k)
			continue
		}
		m.pairCount[k] = c
		heap.Push(&m.best, pairItem{count: c, key: k})
	}
	return true
}

// mergeWord replaces every (a, b) in word w, left to right, by id, and
// records the change in pair counts.
func (m *merger) mergeWord(w int, a, b, id int32) {
	s := m.word(w)
	found := false
	for i := 0; i+1 < len(s); i++ {
		if s[i] == a && s[i+1] == b {
			found = true
			break
		}
	}
	if !found {
		return
	}
	f := m.freq[w]
	for i := 0; i+1 < len(s); i++ {
		m.delta[pairKey(uint32(s[i]), uint32(s[i+1]))] -= f
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if i+1 < len(s) && s[i] == a && s[i+1] == b {
			s[n] = id
			i++
		} else {
			s[n] = s[i]
		}
		n++
	}
	s = s[:n]
	m.size[w] = int32(n)
	for i := 0; i+1 < len(s); i++ {
		k := pairKey(uint32(s[i]), uint32(s[i+1]))
		m.delta[k] += f
		if s[i] == id || s[i+1] == id {
			if l := m.pairWords[k]; len(l) == 0 || l[len(l)-1] != int32(w) {
				m.pairWords[k] = append(l, int32(w))
			}
		}
	}
}

// pairItem is a pair with the count it had when pushed.
type pairItem struct {
	count int64
	key   uint64
}

// pairHeap is a max-heap of pairs by count, ties to the lexicographically
// greater pair of byte strings (first token, then second).
type pairHeap struct {
	items []pairItem
	vocab *[][]byte
}

func (h *pairHeap) Len() int { return len(h.items) }
func (h *pairHeap) Less(i, j int) bool {
	x, y := h.items[i], h.items[j]
	if x.count != y.count {
		return x.count > y.count
	}
	v := *h.vocab
	if c := bytes.Compare(v[x.key>>32], v[y.key>>32]); c != 0 {
		return c > 0
	}
	return bytes.Compare(v[uint32(x.key)], v[uint32(y.key)]) > 0
}
func (h *pairHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *pairHeap) Push(x any)    { h.items = append(h.items, x.(pairItem)) }
func (h *pairHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
