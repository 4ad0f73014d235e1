package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/empirical-scaling/harness/internal/atomicfile"
)

// Save writes dir/vocab.json and dir/merges.txt in GPT-2's format, each
// atomically (internal/atomicfile). It creates dir.
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
	if err := atomicfile.WriteFile(filepath.Join(dir, "vocab.json"), vb.Bytes()); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "merges.txt"), mb.Bytes())
}

// writeJSONString writes s as a JSON string without HTML escaping.
func writeJSONString(w *bytes.Buffer, s string) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes; Encode adds a newline
	w.Truncate(w.Len() - 1)
}
