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
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// localCorpus is a list of text and Parquet files: a local file or
// folder, or the files of a Hugging Face dataset. A text file that
// contains "<|endoftext|>" anywhere is split on it; any other text file is
// split at blank lines; a Parquet file gives one document per row, the
// value of its text column. Every 20th document (the 20th, 40th, ... in
// file order) is held out for validation; a corpus of 2 to 19 documents
// holds out its last one.
type localCorpus struct {
	root   string
	files  []localFile
	column string // the text column of the Parquet files
	sum    string
	docs   int64
	size   int64
	// name and ident, when set, replace the label and identity of a local
	// source (a Hub dataset's).
	name, ident string
}

type localFile struct {
	path    string
	rel     string
	mode    splitMode
	parquet bool
	size    int64
}

// ValEvery is the local-corpus hold-out rule: document i (0-based) is a
// validation document when i%ValEvery == ValEvery-1.
const ValEvery = 20

// isParquet reports whether a file name is a Parquet file's.
func isParquet(name string) bool { return strings.EqualFold(path.Ext(name), ".parquet") }

// isText reports whether a file name is a text file's.
func isText(name string) bool { return strings.EqualFold(path.Ext(name), ".txt") }

// scanLocal lists, hashes and counts the documents of a local source: a
// text or Parquet file, or a folder of them (.txt and .parquet files).
func scanLocal(ctx context.Context, root, column string) (*localCorpus, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("data source %q is not tinystories, synthetic, fineweb-edu, hf:OWNER/NAME, or an existing file or folder: %w", root, err)
	}
	c := &localCorpus{root: root, column: column}
	if !st.IsDir() {
		c.files = []localFile{{path: root, rel: filepath.Base(root), parquet: isParquet(root)}}
	} else {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (isText(p) || isParquet(p)) {
				rel, _ := filepath.Rel(root, p)
				c.files = append(c.files, localFile{path: p, rel: filepath.ToSlash(rel), parquet: isParquet(p)})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("data source %s: %w", root, err)
		}
		if len(c.files) == 0 {
			return nil, fmt.Errorf("data source %s: the folder has no .txt or .parquet files", root)
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
		if !f.parquet {
			if share, err := binaryShare(f.path); err == nil && share >= binaryWarnShare {
				slog.Warn(fmt.Sprintf("data source %s: %.1f%% of its bytes are not text (control bytes other than tabs and line breaks): is it a binary file? It is used as it is", f.path, 100*share))
			}
		}
		f.size = size
		if !hasEOT {
			f.mode = splitBlank
		}
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", f.rel, sum, f.how(column))
		c.size += size
	}
	c.sum = hex.EncodeToString(h.Sum(nil))
	if err := c.count(); err != nil {
		return nil, err
	}
	return c, nil
}

// how names the way a file is split into documents, for identities.
func (f localFile) how(column string) string {
	if f.parquet {
		return "parquet column " + column
	}
	return f.mode.String()
}

// count counts the documents and checks there are enough to hold one out.
func (c *localCorpus) count() error {
	var err error
	if c.docs, err = c.countDocs(); err != nil {
		return err
	}
	if c.docs < 2 {
		return fmt.Errorf("data source %s: found %d document(s); need at least 2 to hold one out for validation (separate documents with %s or blank lines)", c.root, c.docs, EOT)
	}
	return nil
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

func (c *localCorpus) label() string {
	if c.name != "" {
		return c.name
	}
	return "local"
}

func (c *localCorpus) identity() string {
	if c.ident != "" {
		return c.ident
	}
	return fmt.Sprintf("local text sha256 %s split every %d", c.sum, ValEvery)
}

func (c *localCorpus) describe() string {
	kind := "local text"
	if c.name != "" {
		kind = "Hugging Face dataset"
	}
	return fmt.Sprintf("%s %s: %d file(s), %d documents, %.1f MB", kind, c.root, len(c.files), c.docs, float64(c.size)/1e6)
}

func (c *localCorpus) open(val bool) (docIter, io.Closer, error) {
	it := c.allDocs()
	return &filterDocs{it: it, keep: func(i int64) bool { return c.isVal(i) == val }}, it, nil
}

func (c *localCorpus) sizeHint(val bool) int64 {
	for _, f := range c.files {
		if f.parquet {
			return -1 // compressed columns: the file sizes say little of the text's
		}
	}
	if val {
		return c.size / ValEvery
	}
	return c.size - c.size/ValEvery
}

// allDocs iterates the documents of every file in order.
func (c *localCorpus) allDocs() *multiFileDocs {
	return &multiFileDocs{files: c.files, column: c.column}
}

type multiFileDocs struct {
	files  []localFile
	column string
	cur    docIter
	f      *os.File
}

func (m *multiFileDocs) next() ([]byte, error) {
	for {
		if m.cur == nil {
			if len(m.files) == 0 {
				return nil, io.EOF
			}
			lf := m.files[0]
			m.files = m.files[1:]
			if lf.parquet {
				docs, f, err := openParquetFile(lf.path, m.column)
				if err != nil {
					return nil, fmt.Errorf("data source %w", err)
				}
				m.f, m.cur = f, docs
			} else {
				f, err := os.Open(lf.path)
				if err != nil {
					return nil, fmt.Errorf("data source: %w", err)
				}
				m.f, m.cur = f, newScanDocs(f, lf.mode)
			}
		}
		doc, err := m.cur.next()
		if err == nil {
			return doc, nil
		}
		name := m.f.Name()
		m.Close()
		if !errors.Is(err, io.EOF) {
			if strings.Contains(err.Error(), name) {
				return nil, fmt.Errorf("data source %w", err)
			}
			return nil, fmt.Errorf("data source %s: %w", name, err)
		}
	}
}

// Close closes the open file, if any.
func (m *multiFileDocs) Close() error {
	if c, ok := m.cur.(io.Closer); ok {
		_ = c.Close()
	}
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
