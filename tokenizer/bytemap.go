package tokenizer

import (
	"fmt"
	"strings"
)

// GPT-2 stores byte strings in vocab.json and merges.txt with every byte
// remapped to a printable rune (bytes_to_unicode in GPT-2's encoder.py).

var (
	byteToRune [256]rune     // byte -> printable rune
	runeToByte map[rune]byte // inverse of byteToRune
	gpt2Order  [256]byte     // bytes in GPT-2's order: printable ones first
)

func init() {
	runeToByte = make(map[rune]byte, 256)
	var printable [256]bool
	n := 0
	for _, r := range [][2]int{{'!', '~'}, {0xA1, 0xAC}, {0xAE, 0xFF}} {
		for b := r[0]; b <= r[1]; b++ {
			printable[b] = true
			gpt2Order[n] = byte(b)
			n++
		}
	}
	extra := 0
	for b := 0; b < 256; b++ {
		if printable[b] {
			byteToRune[b] = rune(b)
			continue
		}
		byteToRune[b] = rune(256 + extra)
		extra++
		gpt2Order[n] = byte(b)
		n++
	}
	for b := 0; b < 256; b++ {
		runeToByte[byteToRune[b]] = byte(b)
	}
}

// bytesToUnicode returns the GPT-2 printable form of a byte string.
func bytesToUnicode(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) * 2)
	for _, c := range b {
		sb.WriteRune(byteToRune[c])
	}
	return sb.String()
}

// unicodeToBytes inverts bytesToUnicode; it fails on a rune outside the map.
func unicodeToBytes(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		b, ok := runeToByte[r]
		if !ok {
			return nil, fmt.Errorf("rune %q is not in the GPT-2 byte map", r)
		}
		out = append(out, b)
	}
	return out, nil
}
