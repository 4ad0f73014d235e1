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

	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/internal/crc32c"
)

// Record is what was downloaded, stored as JSON in RecordPath(file). The
// SHA-256 identifies the content; the CRC-32C (hardware-accelerated, an
// order of magnitude faster) re-verifies every byte on each later use.
// Checked says what the content was compared with when it arrived
// ("X-Linked-Etag", "shipped", ...); it is empty for a file that was taken
// as it came.
type Record struct {
	URL     string    `json:"url,omitempty"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"`
	CRC32C  string    `json:"crc32c"`
	Checked string    `json:"checked,omitempty"`
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

// hashBoth returns the size, hex SHA-256 and hex CRC-32C of a file,
// reading it once.
func hashBoth(path string) (size int64, sha, crc string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", "", fmt.Errorf("hash: %w", err)
	}
	defer f.Close()
	s, c := sha256.New(), crc32c.New()
	n, err := io.CopyBuffer(io.MultiWriter(s, c), f, make([]byte, 1<<20))
	if err != nil {
		return 0, "", "", fmt.Errorf("hash %s: %w", path, err)
	}
	return n, hex.EncodeToString(s.Sum(nil)), fmt.Sprintf("%08x", c.Sum32()), nil
}

// crcFile returns the size and hex CRC-32C of a file.
func crcFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("check: %w", err)
	}
	defer f.Close()
	h := crc32c.New()
	n, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
	if err != nil {
		return 0, "", fmt.Errorf("check %s: %w", path, err)
	}
	return n, fmt.Sprintf("%08x", h.Sum32()), nil
}

// writeRecord writes rec as file's record, atomically.
func writeRecord(file string, rec Record) error {
	blob, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("record %s: %w", file, err)
	}
	if err := atomicfile.WriteFile(RecordPath(file), append(blob, '\n')); err != nil {
		return fmt.Errorf("record %s: %w", file, err)
	}
	return nil
}

// Verify re-reads every byte of file and compares its size and CRC-32C
// with its record (the SHA-256, for records that lack a CRC). A mismatch
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
	kind, want, hash := "CRC-32C", rec.CRC32C, crcFile
	if rec.CRC32C == "" {
		kind, want, hash = "SHA-256", rec.SHA256, HashFile
	}
	size, sum, err := hash(file)
	if err != nil {
		return Record{}, err
	}
	if size != rec.Size || sum != want {
		return Record{}, fmt.Errorf("verify %s: %w: it has %d bytes with %s %s, but %d bytes with %s were recorded when it was fetched; delete it (and %s) to fetch it again",
			file, ErrChecksum, size, kind, short(sum), rec.Size, short(want), filepath.Base(RecordPath(file)))
	}
	return rec, nil
}

// VerifyOrRecord verifies file against its record, or records it when it
// has none (a file placed in the cache by hand).
func VerifyOrRecord(file, url string) (Record, error) {
	return verifyCached(file, url, Expect{})
}

// verifyCached verifies a file already at its final path. With a record,
// the record decides; a record written without any check (by an older
// version, which took whatever the server sent) must also match want. A
// file without a record was placed by hand: it must match want, and is
// then recorded.
func verifyCached(file, url string, want Expect) (Record, error) {
	rec, err := Verify(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, serr := os.Stat(file); serr != nil {
			return Record{}, fmt.Errorf("verify: %w", serr)
		}
		size, sum, crc, err := hashBoth(file)
		if err != nil {
			return Record{}, err
		}
		if !want.matches(size, sum) {
			return Record{}, fmt.Errorf("verify %s (placed by hand, no record): %w: expected %s, it has %s; replace it with the real file",
				file, ErrMismatch, want, contentText(size, sum))
		}
		rec = Record{URL: url, Size: size, SHA256: sum, CRC32C: crc, Checked: want.From, Fetched: time.Now().UTC()}
		return rec, writeRecord(file, rec)
	case err != nil:
		return Record{}, err
	case rec.Checked == "" && !want.matches(rec.Size, rec.SHA256):
		return Record{}, fmt.Errorf("verify %s: %w: expected %s, it has %s (it was taken unchecked when it was fetched); delete it and %s to fetch it again",
			file, ErrMismatch, want, contentText(rec.Size, rec.SHA256), filepath.Base(RecordPath(file)))
	}
	return rec, nil
}

func short(sum string) string {
	if len(sum) > 16 {
		return sum[:16] + "…"
	}
	return sum
}

// contentText describes a file's content for messages.
func contentText(size int64, sum string) string {
	return fmt.Sprintf("%d bytes with SHA-256 %s", size, sum)
}
