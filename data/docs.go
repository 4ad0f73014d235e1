package data

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// EOT is the document separator in text and, as a special token, in the
// token stream: every document in a shard is followed by it.
const EOT = "<|endoftext|>"

var eot = []byte(EOT)

// maxDocBytes bounds one document; a longer one is an error, not an
// out-of-memory crash.
const maxDocBytes = 64 << 20

// docIter yields documents; io.EOF ends them.
type docIter interface {
	next() ([]byte, error)
}

// splitMode says how a text file separates its documents.
type splitMode int

const (
	splitEOT   splitMode = iota // "<|endoftext|>" between documents
	splitBlank                  // one or more blank lines between documents
)

func (m splitMode) String() string {
	if m == splitEOT {
		return "endoftext"
	}
	return "blank-lines"
}

// scanDocs splits r into documents, trimmed of surrounding white space;
// empty documents are dropped.
type scanDocs struct {
	sc *bufio.Scanner
}

func newScanDocs(r io.Reader, mode splitMode) *scanDocs {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 256<<10), maxDocBytes)
	if mode == splitEOT {
		sc.Split(splitOnEOT)
	} else {
		sc.Split(splitOnBlankLine)
	}
	return &scanDocs{sc: sc}
}

func (s *scanDocs) next() ([]byte, error) {
	for s.sc.Scan() {
		if doc := bytes.TrimSpace(s.sc.Bytes()); len(doc) > 0 {
			return doc, nil
		}
	}
	if err := s.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("a document is longer than %d MiB; separate documents with %s or blank lines", maxDocBytes>>20, EOT)
		}
		return nil, err
	}
	return nil, io.EOF
}

func splitOnEOT(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.Index(data, eot); i >= 0 {
		return i + len(eot), data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// splitOnBlankLine cuts at a line holding only spaces, tabs or '\r'.
func splitOnBlankLine(data []byte, atEOF bool) (int, []byte, error) {
	for i := 0; i < len(data); i++ {
		if data[i] != '\n' {
			continue
		}
		j := i + 1
		for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\r') {
			j++
		}
		if j < len(data) && data[j] == '\n' {
			return j + 1, data[:i], nil
		}
		if j == len(data) && !atEOF {
			return 0, nil, nil // need more data to decide
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// docReader is the text stream of documents, each followed by EOT.
type docReader struct {
	docs  docIter
	buf   []byte
	off   int
	err   error
	bytes int64 // document bytes so far (without separators)
	kept  int64 // documents so far
}

func newDocReader(docs docIter) *docReader {
	return &docReader{docs: docs, buf: make([]byte, 0, 256<<10)}
}

func (r *docReader) Read(p []byte) (int, error) {
	for r.off == len(r.buf) {
		if r.err != nil {
			return 0, r.err
		}
		r.fill()
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

func (r *docReader) fill() {
	r.buf, r.off = r.buf[:0], 0
	for len(r.buf) < 128<<10 {
		doc, err := r.docs.next()
		if err != nil {
			r.err = err
			return
		}
		r.buf = append(r.buf, doc...)
		r.buf = append(r.buf, eot...)
		r.bytes += int64(len(doc))
		r.kept++
	}
}
