package tokenizer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/; plain `go test` runs
// them, `go test -fuzz FuzzName ./tokenizer` explores further.

// FuzzPretokenize checks that pre-tokenization never loses, adds or
// reorders bytes, yields no empty pre-token, and is unchanged by cutting
// the text at any safe cut.
func FuzzPretokenize(f *testing.F) {
	specs := newSpecialSet([]string{"<|endoftext|>"}, []uint32{0})
	f.Fuzz(func(t *testing.T, text []byte) {
		ps := pretokenize(nil, text)
		if got := bytes.Join(ps, nil); !bytes.Equal(got, text) {
			t.Fatalf("pre-tokens %q do not join to %q", ps, text)
		}
		for _, p := range ps {
			if len(p) == 0 {
				t.Fatalf("empty pre-token in %q", ps)
			}
		}
		for p := 1; p < len(text); p++ {
			if len(text) > 4096 && p%97 != 0 {
				continue // keep long inputs linear-ish: sample the cuts
			}
			if !safeAt(text, p, specs) {
				continue
			}
			left, right := pretokenize(nil, text[:p]), pretokenize(nil, text[p:])
			if !equalPieces(ps, append(left, right...)) {
				t.Fatalf("cut at %d changes the pre-tokens of %q", p, text)
			}
		}
	})
}

func equalPieces(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// FuzzRoundTrip checks Decode(Encode(x)) == x on arbitrary bytes, that the
// two mergers agree, and that encoding in small chunks equals encoding the
// whole.
func FuzzRoundTrip(f *testing.F) {
	tok := smallTokenizer(f)
	f.Fuzz(func(t *testing.T, text []byte) {
		ids := tok.Encode(text)
		back, err := tok.Decode(ids)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !bytes.Equal(back, text) {
			t.Fatalf("round trip of %q gave %q", text, back)
		}
		e := newEncoder(tok)
		for _, p := range pretokenize(nil, text) {
			if len(p) > 4096 {
				continue // the quadratic merger would dominate the fuzzing time
			}
			if a, b := e.bpe(p, nil), e.bpeHeap(p, nil); !equalIDs(a, b) {
				t.Fatalf("mergers disagree on %q: %v vs %v", p, a, b)
			}
		}
		cr := newChunkReader(bytes.NewReader(text), 5, tok.specs)
		var chunked []uint32
		for {
			chunk, err := cr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			chunked = append(chunked, tok.Encode(chunk)...)
		}
		if !equalIDs(chunked, ids) {
			t.Fatalf("chunked encoding of %q differs: %v vs %v", text, chunked, ids)
		}
	})
}

func equalIDs(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzLoad feeds arbitrary vocab.json and merges.txt contents to Load: it
// must return an error or a tokenizer that round-trips text, never panic.
func FuzzLoad(f *testing.F) {
	tok := smallTokenizer(f)
	dir := f.TempDir()
	if err := tok.Save(dir); err != nil {
		f.Fatal(err)
	}
	vocab, err := os.ReadFile(filepath.Join(dir, "vocab.json"))
	if err != nil {
		f.Fatal(err)
	}
	merges, err := os.ReadFile(filepath.Join(dir, "merges.txt"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(vocab, merges)
	f.Add(vocab, []byte("#version: 0.2\nĠ t\nĠt he\n"))
	f.Add([]byte(`{"a": 0}`), []byte("a a\n"))
	f.Fuzz(func(t *testing.T, vocab, merges []byte) {
		dir := t.TempDir()
		vp, mp := filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt")
		if err := os.WriteFile(vp, vocab, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(mp, merges, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Load(vp, mp, []string{"<|endoftext|>"})
		if err != nil {
			return
		}
		text := []byte("Once upon a time <|endoftext|> \xff ünïcode 123")
		back, err := got.Decode(got.Encode(text))
		if err != nil || !bytes.Equal(back, text) {
			t.Fatalf("loaded tokenizer does not round-trip: %q, %v", back, err)
		}
	})
}
