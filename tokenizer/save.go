package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Save writes dir/vocab.json and dir/merges.txt in GPT-2's format, each
// atomically (a temporary file in dir renamed into place). It creates dir.
func (t *Tokenizer) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	var vb bytes.Buffer
	vb.WriteString("{")
	keys := make(map[string]uint32, len(t.vocab))
	first := true
	for id, b := range t.vocab {
		if b == nil {
			continue
		}
		key := bytesToUnicode(b)
		if t.special[id] {
			key = string(b)
		}
		if prev, dup := keys[key]; dup {
			return fmt.Errorf("saving vocab: ids %d and %d are both written %q", prev, id, key)
		}
		keys[key] = uint32(id)
		if !first {
			vb.WriteString(",")
		}
		first = false
		vb.WriteString("\n  ")
		writeJSONString(&vb, key)
		fmt.Fprintf(&vb, ": %d", id)
	}
	vb.WriteString("\n}\n")
	var mb bytes.Buffer
	mb.WriteString("#version: 0.2\n")
	for _, m := range t.merges {
		mb.WriteString(bytesToUnicode(t.vocab[m[0]]))
		mb.WriteByte(' ')
		mb.WriteString(bytesToUnicode(t.vocab[m[1]]))
		mb.WriteByte('\n')
	}
	if err := writeFileAtomic(filepath.Join(dir, "vocab.json"), vb.Bytes()); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "merges.txt"), mb.Bytes())
}

// writeJSONString writes s as a JSON string without HTML escaping.
func writeJSONString(w *bytes.Buffer, s string) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes; Encode adds a newline
	w.Truncate(w.Len() - 1)
}

// writeFileAtomic writes data to a temporary file next to path and renames
// it over path, so a reader never sees a partial file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	perr := f.Chmod(0o644) // CreateTemp makes files private; these are for sharing
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(perr, werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
