package data

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpenShard feeds arbitrary files to OpenShard: it must never panic,
// and either refuse them with ErrCorrupt or return a shard whose length
// matches the file.
func FuzzOpenShard(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good.bin")
	if err := WriteShard(good, 300, seq(50, 300)); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:shardHeaderSize])
	f.Add([]byte("TOKSHARD"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.bin")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := OpenShard(path)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		defer s.Close()
		if got := shardHeaderSize + 2*s.Len(); got != len(data) {
			t.Fatalf("shard of %d tokens from a %d-byte file", s.Len(), len(data))
		}
	})
}
