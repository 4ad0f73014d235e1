package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// Load reads a tokenizer in GPT-2's format: vocab.json maps each token,
// written in GPT-2's byte-to-unicode form, to its id, and merges.txt lists
// the merges in rank order, one "A B" pair per line (an optional first line
// "#version: ..." is skipped). specials are recognised as special tokens;
// one that vocab.json lacks gets the next free id. Malformed or
// inconsistent files give an error naming the file and line.
func Load(vocabPath, mergesPath string, specials []string) (*Tokenizer, error) {
	data, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("reading vocab: %w", err)
	}
	isSpecial := make(map[string]bool, len(specials))
	for _, s := range specials {
		if s == "" {
			return nil, errors.New("a special token is empty")
		}
		isSpecial[s] = true
	}
	entries, err := parseVocabJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", vocabPath, err)
	}
	maxID, maxLine := -1, 0
	for _, e := range entries {
		if e.id > maxID {
			maxID, maxLine = e.id, e.line
		}
	}
	if maxID >= 4*len(entries)+1<<16 {
		return nil, fmt.Errorf("%s line %d: id %d is far beyond the %d tokens (ids must be nearly contiguous)", vocabPath, maxLine, maxID, len(entries))
	}
	vocab := make([][]byte, maxID+1)
	byText := make(map[string]uint32, len(entries))
	specialIDs := make(map[string]uint32, len(specials))
	for _, e := range entries {
		if vocab[e.id] != nil {
			return nil, fmt.Errorf("%s line %d: id %d is used twice", vocabPath, e.line, e.id)
		}
		if isSpecial[e.key] {
			vocab[e.id] = []byte(e.key)
			specialIDs[e.key] = uint32(e.id)
			continue
		}
		b, err := unicodeToBytes(e.key)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: token %q: %w (is it a special token?)", vocabPath, e.line, e.key, err)
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("%s line %d: empty token", vocabPath, e.line)
		}
		vocab[e.id] = b
		byText[e.key] = uint32(e.id)
	}
	specList := make([]string, 0, len(specials))
	specIDList := make([]uint32, 0, len(specials))
	for _, s := range specials {
		id, ok := specialIDs[s]
		if !ok {
			id = uint32(len(vocab))
			vocab = append(vocab, []byte(s))
			specialIDs[s] = id
		}
		specList = append(specList, s)
		specIDList = append(specIDList, id)
	}
	merges, err := readMerges(mergesPath, byText)
	if err != nil {
		return nil, err
	}
	t, err := build(vocab, merges, specList, specIDList)
	if err != nil {
		return nil, fmt.Errorf("loading %s and %s: %w", vocabPath, mergesPath, err)
	}
	return t, nil
}

type vocabEntry struct {
	key  string
	id   int
	line int
}

// parseVocabJSON reads a JSON object of string keys and integer ids,
// remembering the line of each entry.
func parseVocabJSON(data []byte) ([]vocabEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	lines := lineCounter{data: data}
	lineErr := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("line %d: %w", lines.at(int(se.Offset)), err)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("line %d: unexpected end of file (truncated?)", lines.at(len(data)))
		}
		return fmt.Errorf("line %d: %w", lines.at(int(dec.InputOffset())), err)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, lineErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("line %d: expected a JSON object of token: id", lines.at(int(dec.InputOffset())))
	}
	var out []vocabEntry
	seen := make(map[string]int)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, lineErr(err)
		}
		key := tok.(string) // object keys are always strings
		line := lines.at(int(dec.InputOffset()))
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("line %d: token %q repeats line %d", line, key, prev)
		}
		seen[key] = line
		tok, err = dec.Token()
		if err != nil {
			return nil, lineErr(err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("line %d: id of %q is %v, not a number", line, key, tok)
		}
		id, err := num.Int64()
		if err != nil || id < 0 || id > math.MaxInt32 {
			return nil, fmt.Errorf("line %d: id of %q is %s, not an integer in [0, 2^31)", line, key, num)
		}
		out = append(out, vocabEntry{key: key, id: int(id), line: line})
	}
	if _, err := dec.Token(); err != nil {
		return nil, lineErr(err)
	}
	if len(out) == 0 {
		return nil, errors.New("no tokens")
	}
	return out, nil
}

// lineCounter maps increasing byte offsets to 1-based line numbers.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (c *lineCounter) at(off int) int {
	off = min(max(off, 0), len(c.data))
	if off < c.off {
		c.off, c.line = 0, 0
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line + 1
}

// readMerges reads merges.txt, checking every token and every merged token
// against the vocabulary.
func readMerges(path string, byText map[string]uint32) ([][2]uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading merges: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var merges [][2]uint32
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 && strings.HasPrefix(text, "#version") {
			continue
		}
		if text == "" {
			continue
		}
		a, b, ok := strings.Cut(text, " ")
		if !ok || a == "" || b == "" || strings.Contains(b, " ") {
			return nil, fmt.Errorf("%s line %d: %q is not two tokens separated by one space", path, line, text)
		}
		ia, ok := byText[a]
		if !ok {
			return nil, fmt.Errorf("%s line %d: token %q is not in the vocabulary", path, line, a)
		}
		ib, ok := byText[b]
		if !ok {
			return nil, fmt.Errorf("%s line %d: token %q is not in the vocabulary", path, line, b)
		}
		if _, ok := byText[a+b]; !ok {
			return nil, fmt.Errorf("%s line %d: merged token %q is not in the vocabulary", path, line, a+b)
		}
		merges = append(merges, [2]uint32{ia, ib})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return merges, nil
}
