package download

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Record is what was downloaded, stored as JSON in RecordPath(file).
type Record struct {
	URL     string    `json:"url,omitempty"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"`
	Fetched time.Time `json:"fetched"`
}

// RecordPath is where the record of file lives.
func RecordPath(file string) string { return file + ".sha256.json" }

// HashFile returns the size and hex SHA-256 of a file.
func HashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("hash: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("hash %s: %w", path, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// record hashes file and writes its record atomically.
func record(file, url string) (Record, error) {
	size, sum, err := HashFile(file)
	if err != nil {
		return Record{}, err
	}
	rec := Record{URL: url, Size: size, SHA256: sum, Fetched: time.Now().UTC()}
	blob, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return Record{}, fmt.Errorf("record %s: %w", file, err)
	}
	if err := writeAtomic(RecordPath(file), append(blob, '\n')); err != nil {
		return Record{}, fmt.Errorf("record %s: %w", file, err)
	}
	return rec, nil
}

// Verify re-hashes file and compares it with its record. A mismatch
// wraps ErrChecksum; a missing record wraps os.ErrNotExist.
func Verify(file string) (Record, error) {
	blob, err := os.ReadFile(RecordPath(file))
	if err != nil {
		return Record{}, fmt.Errorf("verify %s: %w", file, err)
	}
	var rec Record
	if err := json.Unmarshal(blob, &rec); err != nil {
		return Record{}, fmt.Errorf("verify %s: %w: unreadable record %s: %v", file, ErrChecksum, RecordPath(file), err)
	}
	size, sum, err := HashFile(file)
	if err != nil {
		return Record{}, err
	}
	if size != rec.Size || sum != rec.SHA256 {
		return Record{}, fmt.Errorf("verify %s: %w: it has %d bytes with SHA-256 %s, but %d bytes with %s were recorded when it was fetched; delete it (and %s) to fetch it again",
			file, ErrChecksum, size, short(sum), rec.Size, short(rec.SHA256), filepath.Base(RecordPath(file)))
	}
	return rec, nil
}

// VerifyOrRecord verifies file against its record, or records it when it
// has none (a file placed in the cache by hand).
func VerifyOrRecord(file, url string) (Record, error) {
	rec, err := Verify(file)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(file); serr != nil {
			return Record{}, fmt.Errorf("verify: %w", serr)
		}
		return record(file, url)
	}
	return rec, err
}

func short(sum string) string {
	if len(sum) > 16 {
		return sum[:16] + "…"
	}
	return sum
}

// writeAtomic writes data to a temporary file beside path, syncs it and
// renames it over path.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}
