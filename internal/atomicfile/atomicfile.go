// Package atomicfile writes files so that a crash at any moment leaves
// either the old file or the complete new one, never a part: the data goes
// to a temporary file in the same folder, which is synced, given fixed
// permissions (0644), renamed over the target, and the folder synced.
//
// Every package that writes results, checkpoints, shards, tokenizer files or
// reports goes through here, so they all give the same guarantee.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Perm is the permission every committed file gets (CreateTemp makes
// private files; results are for sharing).
const Perm os.FileMode = 0o644

// File is a file being written: it appears at its path only on Commit.
// The embedded *os.File may be written, sought and written at freely.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path through a temporary file in path's folder
// (named .BASE.tmp*, so a folder listing shows it as hidden).
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &File{File: f, path: path}, nil
}

// Path is the file's final path.
func (f *File) Path() string { return f.path }

// Commit syncs the temporary file, renames it over the final path and syncs
// the folder. After an error nothing is left behind but the old file.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("write %s: already committed or aborted", f.path)
	}
	f.done = true
	tmp := f.File.Name()
	err := f.File.Chmod(Perm)
	if err == nil {
		err = f.File.Sync()
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, f.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	syncDir(filepath.Dir(f.path))
	return nil
}

// Abort discards the temporary file; the final path is untouched. It is
// safe to call after Commit (it then does nothing), so callers may defer it.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write streams the content produced by write to path atomically. When
// write fails, path keeps its old content.
func Write(path string, write func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f.File); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// syncDir makes a rename in dir durable. Best effort: some file systems
// cannot sync a folder, and the rename itself has already happened.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// IsTemp says whether name is a temporary file's name as Create makes
// them: .BASE.tmp followed by CreateTemp's digits.
func IsTemp(name string) bool {
	i := strings.LastIndex(name, ".tmp")
	if !strings.HasPrefix(name, ".") || i < 1 || i+4 == len(name) {
		return false
	}
	for _, c := range name[i+4:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// RemoveLeftovers removes the temporary files that writers killed before
// Commit or Abort left directly in dir, those last modified before
// before (a live writer's file is newer than its own start), and returns
// their paths. It is for a folder the caller owns (a run's folder under
// its lock): another process writing there at the same time could lose a
// temporary file it is still filling.
func RemoveLeftovers(dir string, before time.Time) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("remove leftovers in %s: %w", dir, err)
	}
	var gone []string
	var errs []error
	for _, e := range ents {
		if e.IsDir() || !IsTemp(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		gone = append(gone, path)
	}
	if err := errors.Join(errs...); err != nil {
		return gone, fmt.Errorf("remove leftovers in %s: %w", dir, err)
	}
	return gone, nil
}
