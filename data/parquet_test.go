package data

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pqRow is a row of the test files: a compressed, nullable text column
// next to other columns, as the Hub's web-text datasets have.
type pqRow struct {
	ID    int64   `parquet:"id"`
	Text  *string `parquet:"text,optional,zstd"`
	Score float64 `parquet:"score"`
}

// pqSnappyRow names its text column otherwise and compresses it with
// Snappy.
type pqSnappyRow struct {
	Body string `parquet:"body,snappy"`
}

// writeParquet writes the groups as row groups of one file, zstd text;
// an empty group becomes a row group of no rows (patched into the footer,
// since writers skip them, though files in the wild have them).
func writeParquet(t *testing.T, groups ...[]*string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&b)
	id := int64(0)
	var empty []int
	for g, docs := range groups {
		if len(docs) == 0 {
			empty = append(empty, g)
			continue
		}
		rows := make([]pqRow, len(docs))
		for i, d := range docs {
			rows[i] = pqRow{ID: id, Text: d, Score: float64(id) / 10}
			id++
		}
		_, err := w.Write(rows)
		require.NoError(t, err)
		require.NoError(t, w.Flush())
	}
	require.NoError(t, w.Close())
	out := b.Bytes()
	for _, g := range empty {
		out = insertEmptyRowGroup(t, out, g)
	}
	return out
}

// insertEmptyRowGroup adds a row group of no rows (column chunks of no
// values and no bytes) at index at of the file's footer.
func insertEmptyRowGroup(t *testing.T, file []byte, at int) []byte {
	t.Helper()
	n := len(file)
	require.Equal(t, "PAR1", string(file[n-4:]))
	size := int(binary.LittleEndian.Uint32(file[n-8 : n-4]))
	footerAt := n - 8 - size
	var md format.FileMetaData
	require.NoError(t, thrift.Unmarshal(&thrift.CompactProtocol{}, file[footerAt:n-8], &md))
	require.NotEmpty(t, md.RowGroups)
	rg := format.RowGroup{FileOffset: int64(footerAt)}
	for _, c := range md.RowGroups[0].Columns {
		m := c.MetaData
		cc := format.ColumnChunk{FileOffset: int64(footerAt), MetaData: format.ColumnMetaData{
			Type: m.Type, Encoding: m.Encoding, PathInSchema: m.PathInSchema, Codec: m.Codec, DataPageOffset: int64(footerAt)}}
		rg.Columns = append(rg.Columns, cc)
	}
	at = min(at, len(md.RowGroups))
	md.RowGroups = append(md.RowGroups[:at], append([]format.RowGroup{rg}, md.RowGroups[at:]...)...)
	for i := range md.RowGroups {
		md.RowGroups[i].Ordinal = int16(i)
	}
	footer, err := thrift.Marshal(&thrift.CompactProtocol{}, &md)
	require.NoError(t, err)
	out := append([]byte{}, file[:footerAt]...)
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

func strs(docs ...string) []*string {
	out := make([]*string, len(docs))
	for i := range docs {
		if docs[i] != "<null>" {
			out[i] = &docs[i]
		}
	}
	return out
}

// docsOf reads every document of a Parquet file's column.
func docsOf(t *testing.T, file []byte, column string) ([]string, error) {
	t.Helper()
	p, err := openParquetDocs(bytes.NewReader(file), int64(len(file)), "test.parquet", column)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	var out []string
	for {
		d, err := p.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(d))
	}
}

func TestParquetDocs(t *testing.T) {
	long := strings.Repeat("a long document of many words ", 3000)
	file := writeParquet(t,
		strs("first story.", "  second, padded\n", "<null>"),
		nil, // an empty row group
		strs("", "third", long),
		strs("fourth"),
	)
	pf, err := parquet.OpenFile(bytes.NewReader(file), int64(len(file)))
	require.NoError(t, err)
	var rows []int64
	for _, rg := range pf.RowGroups() {
		rows = append(rows, rg.NumRows())
	}
	require.Equal(t, []int64{3, 0, 3, 1}, rows, "four row groups, the second empty")
	assert.Equal(t, format.Zstd, pf.Metadata().RowGroups[0].Columns[1].MetaData.Codec, "the text column is compressed")

	got, err := docsOf(t, file, "text")
	require.NoError(t, err)
	// Nulls and empty values are dropped; values are trimmed.
	assert.Equal(t, []string{"first story.", "second, padded", "third", strings.TrimSpace(long), "fourth"}, got)
}

func TestParquetDocsSnappyColumn(t *testing.T) {
	var b bytes.Buffer
	w := parquet.NewGenericWriter[pqSnappyRow](&b, parquet.MaxRowsPerRowGroup(2))
	var want []string
	var rows []pqSnappyRow
	for i := range 7 {
		s := fmt.Sprintf("document %d", i)
		rows = append(rows, pqSnappyRow{Body: s})
		want = append(want, s)
	}
	_, err := w.Write(rows)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	pf, err := parquet.OpenFile(bytes.NewReader(b.Bytes()), int64(b.Len()))
	require.NoError(t, err)
	require.Len(t, pf.RowGroups(), 4)
	require.Equal(t, format.Snappy, pf.Metadata().RowGroups[0].Columns[0].MetaData.Codec)

	got, err := docsOf(t, b.Bytes(), "body")
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestParquetDocsErrors(t *testing.T) {
	file := writeParquet(t, strs("one", "two"))
	for _, tc := range []struct {
		name, column, want string
	}{
		{"missing column", "content", `test.parquet has no column "content" (its columns: id, text, score); name the text column with -text-column`},
		{"not text", "score", `test.parquet: column "score" holds DOUBLE values, not text; name the text column with -text-column`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := docsOf(t, file, tc.column)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
	_, err := docsOf(t, []byte("not a parquet file at all"), "text")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "test.parquet: not a readable Parquet file")
}

func TestPrepareLocalParquetFolder(t *testing.T) {
	dir := t.TempDir()
	var docs []*string
	for i := range 60 {
		s := fmt.Sprintf("Parquet story number %d. The fox ran to the river and back.", i)
		docs = append(docs, &s)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.parquet"), writeParquet(t, docs[:25], nil, docs[25:40]), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.txt"), []byte(paragraphs(20)), 0o644))
	cache := t.TempDir()
	ds := prepare(t, Options{Source: dir, CacheDir: cache, VocabSize: 300})
	// 40 Parquet rows, then the text file's 20 paragraphs: every 20th held out.
	assert.EqualValues(t, 57, ds.Meta.TrainDocs)
	assert.EqualValues(t, 3, ds.Meta.ValDocs)
	text := decode(t, ds, ds.Train.Tokens())
	assert.True(t, strings.HasPrefix(text, *docs[0]+EOT+*docs[1]+EOT), text[:80])
	assert.NotContains(t, text, *docs[19], "the 20th document is held out")
	assert.Contains(t, decode(t, ds, ds.Val.Tokens()), *docs[19])

	// The text column is part of the cache key; a missing one is one line.
	_, err := Prepare(context.Background(), Options{Source: dir, CacheDir: cache, VocabSize: 300, TextColumn: "body"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `a.parquet has no column "body" (its columns: id, text, score); name the text column with -text-column`)
	assert.NotContains(t, err.Error(), "\n")
}
