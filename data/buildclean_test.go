//go:build linux || darwin

package data

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/data/internal/flock"
)

// A build killed midway leaves its .build-* folder; the next build removes
// it, and only the folders no live process holds.
func TestPrepareRemovesStaleBuildFolders(t *testing.T) {
	cache := t.TempDir()
	root := filepath.Join(cache, "datasets")
	mk := func(name string) string {
		dir := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, TrainShardFile), make([]byte, 1<<16), 0o644))
		return dir
	}
	dead := mk(".build-synthetic-dead")
	release, err := flock.Create(filepath.Join(dead, buildLock))
	require.NoError(t, err)
	release() // its process is gone
	live := mk(".build-synthetic-live")
	release, err = flock.Create(filepath.Join(live, buildLock))
	require.NoError(t, err)
	defer release() // a build running now
	oldNoLock := mk(".build-synthetic-old")
	past := time.Now().Add(-2 * unlockedStale)
	require.NoError(t, os.Chtimes(oldNoLock, past, past))
	youngNoLock := mk(".build-synthetic-young")
	other := mk("not-a-build")

	ds := prepare(t, Options{Source: "synthetic", CacheDir: cache, SyntheticBytes: 64 << 10, VocabSize: 300})
	for _, dir := range []string{dead, oldNoLock} {
		_, err := os.Stat(dir)
		assert.ErrorIs(t, err, os.ErrNotExist, "%s is left over and removed", filepath.Base(dir))
	}
	for _, dir := range []string{live, youngNoLock, other} {
		_, err := os.Stat(dir)
		assert.NoError(t, err, "%s is kept", filepath.Base(dir))
	}
	_, err = os.Stat(filepath.Join(ds.Dir, buildLock))
	assert.ErrorIs(t, err, os.ErrNotExist, "the finished dataset carries no lock file")
}

// While a build runs, its folder's lock is held.
func TestStartBuildHoldsLock(t *testing.T) {
	root := t.TempDir()
	dir, done, err := startBuild(root, "x")
	require.NoError(t, err)
	held, err := flock.Held(filepath.Join(dir, buildLock))
	require.NoError(t, err)
	assert.True(t, held)
	cleanStaleBuilds(root, time.Now().Add(2*unlockedStale))
	_, err = os.Stat(dir)
	require.NoError(t, err, "a held build is never removed")
	done()
	cleanStaleBuilds(root, time.Now())
	_, err = os.Stat(dir)
	assert.ErrorIs(t, err, os.ErrNotExist)
}
