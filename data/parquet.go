package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// DefaultTextColumn is the column of a Parquet file that holds the
// documents when Options.TextColumn is empty: the name the Hugging Face
// datasets of web text (FineWeb, FineWeb-Edu, C4, ...) use.
const DefaultTextColumn = "text"

// parquetDocs yields the values of one text column of a Parquet file, one
// document per row, trimmed of surrounding white space; null and empty
// values are dropped. It reads a row group at a time, page by page, so a
// file of any size needs only one page of memory, and it copies each value
// out of the page before the page is released.
type parquetDocs struct {
	name   string
	col    string
	file   *parquet.File
	column int
	groups []parquet.RowGroup
	values parquet.ColumnChunkValueReader
	buf    []parquet.Value
	pos, n int
	doc    []byte
}

// openParquetDocs opens the documents of column in the Parquet file f of
// size bytes (name is for messages). A missing column, or one that does
// not hold text, is an error naming the columns there are.
func openParquetDocs(f io.ReaderAt, size int64, name, column string) (*parquetDocs, error) {
	pf, err := parquet.OpenFile(f, size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %w", name, err)
	}
	leaf, ok := pf.Schema().Lookup(column)
	if !ok {
		return nil, fmt.Errorf("%s has no column %q (its columns: %s); name the text column with -text-column", name, column, strings.Join(columnNames(pf), ", "))
	}
	if leaf.MaxRepetitionLevel > 0 {
		return nil, fmt.Errorf("%s: column %q is a list, not one text per row; name the text column with -text-column", name, column)
	}
	if k := leaf.Node.Type().Kind(); k != parquet.ByteArray {
		return nil, fmt.Errorf("%s: column %q holds %s values, not text; name the text column with -text-column", name, column, k)
	}
	return &parquetDocs{name: name, col: column, file: pf, column: leaf.ColumnIndex, groups: pf.RowGroups(), buf: make([]parquet.Value, 256)}, nil
}

// columnNames lists the leaf columns of a file by their dotted paths.
func columnNames(pf *parquet.File) []string {
	var names []string
	for _, path := range pf.Schema().Columns() {
		names = append(names, strings.Join(path, "."))
	}
	if len(names) == 0 {
		return []string{"none"}
	}
	return names
}

func (p *parquetDocs) next() ([]byte, error) {
	for {
		for p.pos < p.n {
			v := p.buf[p.pos]
			p.pos++
			if v.IsNull() {
				continue
			}
			if doc := bytes.TrimSpace(v.ByteArray()); len(doc) > 0 {
				if len(doc) > maxDocBytes {
					return nil, fmt.Errorf("%s: a document is longer than %d MiB", p.name, maxDocBytes>>20)
				}
				p.doc = append(p.doc[:0], doc...)
				return p.doc, nil
			}
		}
		if p.values == nil {
			if len(p.groups) == 0 {
				return nil, io.EOF
			}
			p.values = parquet.NewColumnChunkValueReader(p.groups[0].ColumnChunks()[p.column])
			p.groups = p.groups[1:]
		}
		n, err := p.values.ReadValues(p.buf)
		p.pos, p.n = 0, n
		if errors.Is(err, io.EOF) && n == 0 {
			cerr := p.values.Close()
			p.values = nil
			if cerr != nil {
				return nil, fmt.Errorf("%s: %w", p.name, cerr)
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: column %q: %w", p.name, p.col, err)
		}
	}
}

// Close releases the page being read.
func (p *parquetDocs) Close() error {
	if p.values != nil {
		err := p.values.Close()
		p.values = nil
		return err
	}
	return nil
}

// openParquetFile opens path and its documents; closing the returned
// closer closes both.
func openParquetFile(path, column string) (*parquetDocs, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	docs, err := openParquetDocs(f, st.Size(), path, column)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return docs, f, nil
}
