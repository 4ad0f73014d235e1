package tokenizer

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
)

const countChunk = 4 << 20 // training reads and counts in chunks this big

// wordCounts is a multiset of pre-tokens.
type wordCounts struct {
	index map[string]int32 // pre-token -> position in words and counts
	words []string
	count []int64
}

func newWordCounts() *wordCounts {
	return &wordCounts{index: make(map[string]int32, 1<<12)}
}

func (wc *wordCounts) add(piece []byte, n int64) {
	if i, ok := wc.index[string(piece)]; ok {
		wc.count[i] += n
		return
	}
	s := string(piece)
	wc.index[s] = int32(len(wc.words))
	wc.words = append(wc.words, s)
	wc.count = append(wc.count, n)
}

// addText counts the pre-tokens of text, dropping special tokens: the text
// between two special tokens is pre-tokenized on its own.
func (wc *wordCounts) addString(s string, n int64) {
	if i, ok := wc.index[s]; ok {
		wc.count[i] += n
		return
	}
	wc.index[s] = int32(len(wc.words))
	wc.words = append(wc.words, s)
	wc.count = append(wc.count, n)
}

func (wc *wordCounts) addText(text []byte, specs *specialSet) {
	if len(specs.tokens) == 0 {
		wc.addOrdinary(text)
		return
	}
	sc := specs.scanner(text)
	for pos := 0; pos < len(text); {
		start, k := sc.find(pos)
		if start < 0 {
			wc.addOrdinary(text[pos:])
			return
		}
		wc.addOrdinary(text[pos:start])
		pos = start + len(specs.tokens[k])
	}
}

func (wc *wordCounts) addOrdinary(text []byte) {
	for i := 0; i < len(text); {
		j := pretokenEnd(text, i)
		wc.add(text[i:j], 1)
		i = j
	}
}

// countPretokens reads r in chunks that end at safe cuts (never inside a
// pre-token or special token) and counts their pre-tokens on all cores.
// progress, when not nil, is called with the number of bytes read so far.
func countPretokens(ctx context.Context, r io.Reader, specs *specialSet, progress func(int64)) (*wordCounts, error) {
	workers := runtime.GOMAXPROCS(0)
	chunks := make(chan []byte, workers)
	partial := make([]*wordCounts, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		partial[w] = newWordCounts()
		wg.Add(1)
		go func(wc *wordCounts) {
			defer wg.Done()
			for text := range chunks {
				wc.addText(text, specs)
			}
		}(partial[w])
	}
	cr := newChunkReader(r, countChunk, specs)
	var err error
	for {
		if err = ctx.Err(); err != nil {
			break
		}
		var text []byte
		text, err = cr.next()
		if err != nil {
			break
		}
		if progress != nil {
			progress(cr.total)
		}
		chunks <- text
	}
	close(chunks)
	wg.Wait()
	if !errors.Is(err, io.EOF) {
		return nil, err
	}
	total := partial[0]
	for _, wc := range partial[1:] {
		for i, w := range wc.words {
			total.addString(w, wc.count[i])
		}
	}
	return total, nil
}
