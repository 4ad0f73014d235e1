package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// localCorpus is a text file or a folder of .txt files. A file that
// contains "<|endoftext|>" anywhere is split on it; any other file is
// split at blank lines. Every 20th document (the 20th, 40th, ... in file
// order) is held out for validation; a corpus of 2 to 19 documents holds
// out its last one.
type localCorpus struct {
	root  string
	files []localFile
	sum   string
	docs  int64
	size  int64
}

type localFile struct {
	path string
	rel  string
	mode splitMode
	size int64
}

// ValEvery is the local-corpus hold-out rule: document i (0-based) is a
// validation document when i%ValEvery == ValEvery-1.
const ValEvery = 20

// scanLocal lists, hashes and counts the documents of a local source.
func scanLocal(ctx context.Context, root string) (*localCorpus, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("data source %q is not tinystories, synthetic, or an existing file or folder: %w", root, err)
	}
	c := &localCorpus{root: root}
	if !st.IsDir() {
		c.files = []localFile{{path: root, rel: filepath.Base(root)}}
	} else {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".txt") {
				rel, _ := filepath.Rel(root, p)
				c.files = append(c.files, localFile{path: p, rel: filepath.ToSlash(rel)})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("data source %s: %w", root, err)
		}
		if len(c.files) == 0 {
			return nil, fmt.Errorf("data source %s: the folder has no .txt files", root)
		}
		sort.Slice(c.files, func(i, j int) bool { return c.files[i].rel < c.files[j].rel })
	}
	h := sha256.New()
	for i := range c.files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := &c.files[i]
		sum, size, hasEOT, err := hashFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("data source: %w", err)
		}
		if share, err := binaryShare(f.path); err == nil && share >= binaryWarnShare {
			slog.Warn(fmt.Sprintf("data source %s: %.1f%% of its bytes are not text (control bytes other than tabs and line breaks): is it a binary file? It is used as it is", f.path, 100*share))
		}
		f.size = size
		if !hasEOT {
			f.mode = splitBlank
		}
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", f.rel, sum, f.mode)
		c.size += size
	}
	c.sum = hex.EncodeToString(h.Sum(nil))
	if c.docs, err = c.countDocs(); err != nil {
		return nil, err
	}
	if c.docs < 2 {
		return nil, fmt.Errorf("data source %s: found %d document(s); need at least 2 to hold one out for validation (separate documents with %s or blank lines)", root, c.docs, EOT)
	}
	return c, nil
}

// hashFile returns the SHA-256 and size of a file and whether it
// contains EOT.
func hashFile(path string) (string, int64, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, false, err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var tail []byte // the last len(eot)-1 bytes, for matches across reads
	var n int64
	found := false
	for {
		k, err := f.Read(buf)
		if k > 0 {
			h.Write(buf[:k])
			n += int64(k)
			if !found {
				found = bytes.Contains(append(tail, buf[:min(k, len(eot))]...), eot) || bytes.Contains(buf[:k], eot)
				tail = append(tail[:0], buf[max(0, k-len(eot)+1):k]...)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", 0, false, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), n, found, nil
}

// binaryWarnShare is the share of non-text bytes from which a corpus
// file draws a warning (text has none; a stray form feed is far below).
const binaryWarnShare = 0.01

// binarySample is how much of a file binaryShare reads.
const binarySample = 1 << 20

// binaryShare is the share of bytes in the first MiB of a file that no
// text holds: control characters other than tab, line feed, vertical
// tab, form feed, carriage return and escape, and DEL.
func binaryShare(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, binarySample))
	if err != nil || len(buf) == 0 {
		return 0, err
	}
	bad := 0
	for _, b := range buf {
		if (b < 0x20 && b != '\t' && b != '\n' && b != '\v' && b != '\f' && b != '\r' && b != 0x1b) || b == 0x7f {
			bad++
		}
	}
	return float64(bad) / float64(len(buf)), nil
}

func (c *localCorpus) countDocs() (int64, error) {
	it := c.allDocs()
	defer it.Close()
	var n int64
	for {
		_, err := it.next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		n++
	}
}

// isVal reports whether document i is held out.
func (c *localCorpus) isVal(i int64) bool {
	if c.docs < ValEvery {
		return i == c.docs-1
	}
	return i%ValEvery == ValEvery-1
}

func (c *localCorpus) label() string { return "local" }

func (c *localCorpus) identity() string {
	return fmt.Sprintf("local text sha256 %s split every %d", c.sum, ValEvery)
}

func (c *localCorpus) describe() string {
	return fmt.Sprintf("local text %s: %d file(s), %d documents, %.1f MB", c.root, len(c.files), c.docs, float64(c.size)/1e6)
}

func (c *localCorpus) open(val bool) (docIter, io.Closer, error) {
	it := c.allDocs()
	return &filterDocs{it: it, keep: func(i int64) bool { return c.isVal(i) == val }}, it, nil
}

func (c *localCorpus) sizeHint(val bool) int64 {
	if val {
		return c.size / ValEvery
	}
	return c.size - c.size/ValEvery
}

// allDocs iterates the documents of every file in order.
func (c *localCorpus) allDocs() *multiFileDocs { return &multiFileDocs{files: c.files} }

type multiFileDocs struct {
	files []localFile
	cur   *scanDocs
	f     *os.File
}

func (m *multiFileDocs) next() ([]byte, error) {
	for {
		if m.cur == nil {
			if len(m.files) == 0 {
				return nil, io.EOF
			}
			lf := m.files[0]
			m.files = m.files[1:]
			f, err := os.Open(lf.path)
			if err != nil {
				return nil, fmt.Errorf("data source: %w", err)
			}
			m.f, m.cur = f, newScanDocs(f, lf.mode)
		}
		doc, err := m.cur.next()
		if err == nil {
			return doc, nil
		}
		name := m.f.Name()
		m.Close()
		if !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("data source %s: %w", name, err)
		}
	}
}

// Close closes the open file, if any.
func (m *multiFileDocs) Close() error {
	if m.f != nil {
		_ = m.f.Close()
	}
	m.f, m.cur = nil, nil
	return nil
}

// filterDocs yields the documents keep accepts; indices count all.
type filterDocs struct {
	it   docIter
	keep func(int64) bool
	i    int64
}

func (f *filterDocs) next() ([]byte, error) {
	for {
		doc, err := f.it.next()
		if err != nil {
			return nil, err
		}
		i := f.i
		f.i++
		if f.keep(i) {
			return doc, nil
		}
	}
}
