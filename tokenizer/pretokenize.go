package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// Character classes of GPT-2's pre-tokenization pattern.
const (
	clsOther  uint8 = iota // [^\s\p{L}\p{N}], and every byte that is not valid UTF-8
	clsLetter              // \p{L}
	clsNumber              // \p{N}
	clsSpace               // \s (Unicode White_Space)
)

var asciiClass [utf8.RuneSelf]uint8

func init() {
	for c := 0; c < utf8.RuneSelf; c++ {
		r := rune(c)
		switch {
		case unicode.IsLetter(r):
			asciiClass[c] = clsLetter
		case unicode.IsNumber(r):
			asciiClass[c] = clsNumber
		case unicode.IsSpace(r):
			asciiClass[c] = clsSpace
		default:
			asciiClass[c] = clsOther
		}
	}
}

// charAt returns the class and the width in bytes of the character at
// text[i]. A byte that does not start a valid UTF-8 sequence is one
// character of class clsOther.
func charAt(text []byte, i int) (uint8, int) {
	c := text[i]
	if c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, w := utf8.DecodeRune(text[i:])
	if r == utf8.RuneError && w == 1 {
		return clsOther, 1
	}
	switch {
	case unicode.IsLetter(r):
		return clsLetter, w
	case unicode.IsNumber(r):
		return clsNumber, w
	case unicode.IsSpace(r):
		return clsSpace, w
	}
	return clsOther, w
}

// runEnd returns the end of the run of characters of class cls that starts
// at text[i].
func runEnd(text []byte, i int, cls uint8) int {
	n := len(text)
	for i < n {
		c := text[i]
		if c < utf8.RuneSelf {
			if asciiClass[c] != cls {
				return i
			}
			i++
			continue
		}
		k, w := charAt(text, i)
		if k != cls {
			return i
		}
		i += w
	}
	return i
}

// pretokenEnd returns the end of the pre-token that starts at text[i]
// (i < len(text)). It tries the alternatives of GPT-2's pattern in order,
// exactly as a backtracking regex engine would:
//
//	'(?:[sdmt]|ll|ve|re) | ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+ | \s+(?!\S) | \s+
//
// The match at i depends only on text[i:], never on what precedes it.
func pretokenEnd(text []byte, i int) int {
	n := len(text)
	c := text[i]
	if c == '\'' && i+1 < n {
		switch text[i+1] {
		case 's', 'd', 'm', 't':
			return i + 2
		case 'l':
			if i+2 < n && text[i+2] == 'l' {
				return i + 3
			}
		case 'v', 'r':
			if i+2 < n && text[i+2] == 'e' {
				return i + 3
			}
		}
	}
	if c == ' ' && i+1 < n {
		// " ?X+" for X in letters, numbers, others: the space leads the run.
		if next, _ := charAt(text, i+1); next != clsSpace {
			return runEnd(text, i+1, next)
		}
	}
	cls, w := charAt(text, i)
	if cls != clsSpace {
		return runEnd(text, i+w, cls)
	}
	// A run of whitespace. At the end of the text \s+(?!\S) takes it all;
	// before a non-space it gives up its last character to the next
	// pre-token, unless the run is a single character (then \s+ takes it).
	last, j := i, i+w
	for j < n {
		k, wj := charAt(text, j)
		if k != clsSpace {
			break
		}
		last = j
		j += wj
	}
	if j == n || last == i {
		return j
	}
	return last
}

// pretokenize appends the pre-tokens of text (which holds no special
// tokens) to dst as slices of text.
func pretokenize(dst [][]byte, text []byte) [][]byte {
	for i := 0; i < len(text); {
		j := pretokenEnd(text, i)
		dst = append(dst, text[i:j])
		i = j
	}
	return dst
}
