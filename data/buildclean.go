package data

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/data/internal/flock"
)

// A dataset is built in a ".build-*" folder beside its final place and
// renamed into place when complete. The building process holds an
// advisory lock (flock) on the folder's buildLock file for as long as it
// runs; the kernel releases it when the process dies, however it dies. So
// a build folder whose lock nobody holds was left by a killed process, and
// the next build removes it.
const (
	buildPrefix = ".build-"
	buildLock   = ".lock"
	// unlockedStale is how old a build folder without a lock file must be
	// before it counts as left over: one is lock-less only for the instant
	// between its creation and its lock's, or when an older version made it.
	unlockedStale = time.Hour
)

// startBuild creates a build folder in root for label and locks it. done
// unlocks it (after the folder was renamed or removed).
func startBuild(root, label string) (dir string, done func(), err error) {
	dir, err = os.MkdirTemp(root, buildPrefix+label+"-")
	if err != nil {
		return "", nil, err
	}
	release, err := flock.Create(filepath.Join(dir, buildLock))
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, release, nil
}

// cleanStaleBuilds removes the build folders in root that no live process
// holds. It only logs what it cannot inspect or remove: a leftover costs
// disk space, never correctness.
func cleanStaleBuilds(root string, now time.Time) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), buildPrefix) {
			continue
		}
		dir := filepath.Join(root, e.Name())
		held, err := flock.Held(filepath.Join(dir, buildLock))
		switch {
		case errors.Is(err, os.ErrNotExist):
			info, ierr := e.Info()
			if ierr != nil || now.Sub(info.ModTime()) < unlockedStale {
				continue
			}
		case err != nil:
			slog.Warn("cannot tell whether a dataset build folder is in use; leaving it", "dir", dir, "err", err)
			continue
		case held:
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			slog.Warn("cannot remove a build folder left by an interrupted build", "dir", dir, "err", err)
			continue
		}
		slog.Info("removed a build folder left by an interrupted build", "dir", dir)
	}
}
