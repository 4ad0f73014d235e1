package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWriteFileReplacesAndSetsPermissions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	require.NoError(t, WriteFile(path, []byte("old")))
	require.NoError(t, WriteFile(path, []byte("new")))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "new", string(got))
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, Perm, st.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file may be left behind")
}

func TestFailedWriteKeepsOldContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	require.NoError(t, WriteFile(path, []byte("old")))
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, _ := os.ReadFile(path)
	require.Equal(t, "old", string(got))
	entries, _ := os.ReadDir(dir)
	require.Len(t, entries, 1)
}

func TestCreateWriteAtCommitAndAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shard.bin")
	f, err := Create(path)
	require.NoError(t, err)
	_, err = f.Write([]byte("..data"))
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("HD"), 0)
	require.NoError(t, err)
	_, err = os.Stat(path)
	require.True(t, os.IsNotExist(err), "the file must not appear before Commit")
	require.NoError(t, f.Commit())
	f.Abort() // after Commit: a no-op
	got, _ := os.ReadFile(path)
	require.Equal(t, "HDdata", string(got))
	require.Error(t, f.Commit(), "a second Commit is an error")

	g, err := Create(filepath.Join(dir, "gone.bin"))
	require.NoError(t, err)
	g.Abort()
	entries, _ := os.ReadDir(dir)
	require.Len(t, entries, 1)
}

func TestCreateInMissingFolderFails(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "no", "such", "x"))
	require.Error(t, err)
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".metrics.csv.tmp123": true, ".a.tmp0": true,
		"metrics.csv.tmp123": false, ".metrics.csv.tmp": false, ".metrics.csv.tmpx1": false, ".tmp12": false, "a.json": false,
	} {
		require.Equal(t, want, IsTemp(name), name)
	}
}

// A writer killed before Commit leaves its temporary file; the folder's
// owner removes such files when it starts, but never a newer one (a live
// writer's) nor anything else.
func TestRemoveLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.csv")
	require.NoError(t, WriteFile(path, []byte("kept")))
	killed, err := Create(path)
	require.NoError(t, err)
	_, err = killed.Write([]byte("half"))
	require.NoError(t, err)
	killed.File.Close() // the process died here: no Commit, no Abort
	old := time.Now().Add(-time.Minute)
	require.NoError(t, os.Chtimes(killed.Name(), old, old))
	live, err := Create(filepath.Join(dir, "result.json"))
	require.NoError(t, err)
	defer live.Abort()
	other := filepath.Join(dir, ".hidden")
	require.NoError(t, os.WriteFile(other, nil, 0o644))
	require.NoError(t, os.Chtimes(other, old, old))

	gone, err := RemoveLeftovers(dir, time.Now().Add(-time.Second))
	require.NoError(t, err)
	require.Equal(t, []string{killed.Name()}, gone)
	require.NoFileExists(t, killed.Name())
	require.FileExists(t, live.Name(), "a live writer's file stays")
	require.FileExists(t, other)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "kept", string(got))
}
