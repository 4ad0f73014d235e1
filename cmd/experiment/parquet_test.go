package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/internal/cli"
)

// TestPrepareParquetTextColumn checks that -text-column reaches the data
// package: the documents are read from the named column, and a column the
// file lacks ends in one line and exit status 1.
func TestPrepareParquetTextColumn(t *testing.T) {
	type row struct {
		Body string `parquet:"body,zstd"`
	}
	rows := make([]row, 40)
	for i := range rows {
		rows[i].Body = fmt.Sprintf("Row %d: a short story about a dog and a ball.", i)
	}
	var b bytes.Buffer
	w := parquet.NewGenericWriter[row](&b)
	_, err := w.Write(rows)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	path := filepath.Join(t.TempDir(), "stories.parquet")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))

	out, _, err := runCmd("prepare", "-data", path, "-text-column", "body", "-cache", t.TempDir(), "-vocab-size", "280", "-quiet")
	require.NoError(t, err)
	assert.Contains(t, out, "40 documents")

	_, _, err = runCmd("prepare", "-data", path, "-cache", t.TempDir(), "-vocab-size", "280", "-quiet")
	require.Error(t, err)
	assert.Equal(t, cli.ExitFailed, cli.ExitCode(err))
	assert.Contains(t, err.Error(), `stories.parquet has no column "text" (its columns: body); name the text column with -text-column`)
}
