package tokenizer

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Pre-tokenization only looks forward, so text can be cut at p and the two
// halves encoded apart whenever no pre-token and no special token spans p.
// safeAt reports whether p is such a cut: text[p] is a space and text[p-1]
// is an ASCII character that is not whitespace (so the pre-token holding
// text[p-1] ends there and the one at p starts with that space), and no
// special token occurrence contains both bytes.
func safeAt(text []byte, p int, specs *specialSet) bool {
	if p <= 0 || p >= len(text) || text[p] != ' ' {
		return false
	}
	c := text[p-1]
	if c >= utf8.RuneSelf || asciiClass[c] == clsSpace {
		return false
	}
	return specs == nil || !specs.spansCut(text, p)
}

// findCut returns a safe cut in text near target: the last one at or before
// target, else the first one after it, else -1.
func findCut(text []byte, target int, specs *specialSet) int {
	target = min(target, len(text)-1)
	for p := target; p > 0; p-- {
		if safeAt(text, p, specs) {
			return p
		}
	}
	for p := target + 1; p < len(text); p++ {
		if safeAt(text, p, specs) {
			return p
		}
	}
	return -1
}

// splitText cuts text into pieces of about size bytes at safe cuts.
func splitText(text []byte, size int, specs *specialSet) [][]byte {
	var out [][]byte
	for len(text) > size {
		p := findCut(text, size, specs)
		if p < 0 {
			break
		}
		out = append(out, text[:p])
		text = text[p:]
	}
	return append(out, text)
}

// chunkReader reads a stream in chunks of about size bytes that end at safe
// cuts, so that encoding the chunks apart equals encoding the whole.
type chunkReader struct {
	r     io.Reader
	size  int // target chunk size
	limit int // longest chunk it will hold while looking for a cut
	specs *specialSet
	buf   []byte // carried over from the previous read
	eof   bool
	total int64 // bytes read so far
}

func newChunkReader(r io.Reader, size int, specs *specialSet) *chunkReader {
	return &chunkReader{r: r, size: size, limit: max(64<<20, 4*size), specs: specs}
}

// next returns the next chunk (a fresh slice), or io.EOF after the last.
// Only when no safe cut exists within limit bytes (one pre-token longer
// than that) is a chunk cut elsewhere, at a UTF-8 character boundary.
func (c *chunkReader) next() ([]byte, error) {
	want := c.size
	for {
		for !c.eof && len(c.buf) < want+1 {
			if cap(c.buf) < want+1 {
				nb := make([]byte, len(c.buf), max(want+1, 2*cap(c.buf)))
				copy(nb, c.buf)
				c.buf = nb
			}
			n, err := c.r.Read(c.buf[len(c.buf):cap(c.buf)])
			c.buf = c.buf[:len(c.buf)+n]
			c.total += int64(n)
			if errors.Is(err, io.EOF) {
				c.eof = true
			} else if err != nil {
				return nil, fmt.Errorf("reading input: %w", err)
			}
		}
		if len(c.buf) == 0 {
			return nil, io.EOF
		}
		if c.eof && len(c.buf) <= c.size {
			return c.take(len(c.buf)), nil
		}
		if p := findCut(c.buf, c.size, c.specs); p > 0 {
			return c.take(p), nil
		}
		if c.eof {
			return c.take(len(c.buf)), nil
		}
		if want >= c.limit {
			p := min(len(c.buf), c.limit)
			for p > 1 && !utf8.RuneStart(c.buf[p]) {
				p--
			}
			return c.take(p), nil
		}
		want = min(2*want, c.limit)
	}
}

// take returns a copy of buf[:p] and keeps the rest.
func (c *chunkReader) take(p int) []byte {
	out := make([]byte, p)
	copy(out, c.buf)
	n := copy(c.buf, c.buf[p:])
	c.buf = c.buf[:n]
	return out
}
