package tokenizer

import (
	"container/heap"
	"math"
)

// node is one part of a long pre-token being merged, in a linked list.
type node struct {
	id         uint32
	prev, next int32 // -1 at the ends
	alive      bool
}

// cand is a candidate merge of node left with its successor.
type cand struct {
	rank uint32
	left int32 // node index; lower is further left
	a, b uint32
}

type mergeHeap []cand

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].left < h[j].left
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(cand)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// bpeHeap gives the same result as the quadratic merger in O(n log n), for
// long pre-tokens: candidates wait in a heap ordered by (rank, position) and
// stale ones are skipped when popped.
func (e *encoder) bpeHeap(piece []byte, out []uint32) []uint32 {
	t := e.t
	nodes := e.nodes[:0]
	for i, c := range piece {
		nodes = append(nodes, node{id: t.byteID[c], prev: int32(i) - 1, next: int32(i) + 1, alive: true})
	}
	nodes[len(nodes)-1].next = -1
	h := e.heap[:0]
	push := func(l int32) {
		if l < 0 || nodes[l].next < 0 {
			return
		}
		r := nodes[l].next
		a, b := nodes[l].id, nodes[r].id
		if rank := t.rankOf(a, b); rank != math.MaxUint32 {
			heap.Push(&h, cand{rank: rank, left: l, a: a, b: b})
		}
	}
	for i := range nodes {
		if i+1 < len(nodes) {
			a, b := nodes[i].id, nodes[i+1].id
			if rank := t.rankOf(a, b); rank != math.MaxUint32 {
				h = append(h, cand{rank: rank, left: int32(i), a: a, b: b})
			}
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		c := heap.Pop(&h).(cand)
		l := c.left
		r := nodes[l].next
		if !nodes[l].alive || r < 0 || nodes[l].id != c.a || nodes[r].id != c.b {
			continue // stale
		}
		nodes[l].id = uint32(t.pairs[pairKey(c.a, c.b)])
		nodes[r].alive = false
		nodes[l].next = nodes[r].next
		if nodes[r].next >= 0 {
			nodes[nodes[r].next].prev = l
		}
		if p := nodes[l].prev; p >= 0 {
			push(p)
		}
		push(l)
	}
	for i := int32(0); i >= 0; i = nodes[i].next {
		out = append(out, nodes[i].id)
	}
	e.heap, e.nodes = h, nodes
	return out
}
