package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// UnknownIDError is the error for an id outside the vocabulary.
type UnknownIDError struct {
	ID        uint32
	Position  int // index of the id in the slice being decoded
	VocabSize int
}

func (e *UnknownIDError) Error() string {
	return fmt.Sprintf("id %d at position %d is not in the vocabulary of %d", e.ID, e.Position, e.VocabSize)
}

// Decode returns the bytes of the tokens. An id outside the vocabulary is an
// *UnknownIDError.
func (t *Tokenizer) Decode(ids []uint32) ([]byte, error) {
	return t.AppendDecode(nil, ids)
}

// AppendDecode appends the bytes of the tokens to dst.
func (t *Tokenizer) AppendDecode(dst []byte, ids []uint32) ([]byte, error) {
	for i, id := range ids {
		if int(id) >= len(t.vocab) || t.vocab[id] == nil {
			return dst, &UnknownIDError{ID: id, Position: i, VocabSize: len(t.vocab)}
		}
		dst = append(dst, t.vocab[id]...)
	}
	return dst, nil
}

// DecodeString returns the text of the tokens as a string, with every
// maximal invalid UTF-8 subsequence replaced by one U+FFFD (as Python's
// errors="replace" and Rust's from_utf8_lossy do). Unknown ids decode to
// U+FFFD too.
func (t *Tokenizer) DecodeString(ids []uint32) string {
	var b []byte
	for _, id := range ids {
		if int(id) >= len(t.vocab) || t.vocab[id] == nil {
			b = append(b, 0xFF) // invalid on its own: becomes one U+FFFD
			continue
		}
		b = append(b, t.vocab[id]...)
	}
	return toValidUTF8(b)
}

// toValidUTF8 replaces each maximal subpart of an ill-formed UTF-8 sequence
// by U+FFFD (Unicode's "substitution of maximal subparts").
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, w := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || w > 1 {
			sb.Write(b[i : i+w])
			i += w
			continue
		}
		sb.WriteRune(utf8.RuneError)
		i += maximalSubpart(b[i:])
	}
	return sb.String()
}

// maximalSubpart is the length (at least 1) of the longest prefix of b that
// starts a well-formed UTF-8 sequence without completing it.
func maximalSubpart(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF) // allowed range of the second byte
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		x := b[n]
		if k == 0 && (x < lo || x > hi) || k > 0 && (x < 0x80 || x > 0xBF) {
			break
		}
		n++
	}
	return n
}
