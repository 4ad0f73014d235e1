package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// idWidth is the byte width of one id in the bin format.
func idWidth(vocabSize int) int {
	if vocabSize <= 1<<16 {
		return 2
	}
	return 4
}

// idWriter writes ids as one JSON array or as little-endian integers.
type idWriter struct {
	w       *bufio.Writer
	format  string
	width   int
	started bool
	buf     []byte
}

func newIDWriter(w *bufio.Writer, format string, vocabSize int) *idWriter {
	return &idWriter{w: w, format: format, width: idWidth(vocabSize)}
}

func (e *idWriter) write(ids []uint32) error {
	b := e.buf[:0]
	for _, id := range ids {
		switch {
		case e.format == "bin" && e.width == 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(id))
		case e.format == "bin":
			b = binary.LittleEndian.AppendUint32(b, id)
		default:
			if e.started {
				b = append(b, ',')
			} else {
				b = append(b, '[')
				e.started = true
			}
			b = strconv.AppendUint(b, uint64(id), 10)
		}
	}
	e.buf = b
	_, err := e.w.Write(b)
	return err
}

func (e *idWriter) close() error {
	if e.format != "json" {
		return nil
	}
	if !e.started {
		_, err := e.w.WriteString("[")
		if err != nil {
			return err
		}
	}
	_, err := e.w.WriteString("]\n")
	return err
}

// idBatch is how many ids readIDs hands over at a time.
const idBatch = 1 << 16

// readIDs reads ids in the json or bin format and passes them to emit in
// batches, in order.
func readIDs(r io.Reader, format string, vocabSize int, emit func([]uint32) error) error {
	if format == "bin" {
		return readBin(r, idWidth(vocabSize), emit)
	}
	return readJSON(r, emit)
}

func readBin(r io.Reader, width int, emit func([]uint32) error) error {
	buf := make([]byte, idBatch*width)
	ids := make([]uint32, 0, idBatch)
	var total int64
	for {
		n, err := io.ReadFull(r, buf)
		total += int64(n)
		if n%width != 0 {
			return fmt.Errorf("bin input of %d bytes is not a whole number of %d-byte ids", total, width)
		}
		ids = ids[:0]
		for i := 0; i < n; i += width {
			if width == 2 {
				ids = append(ids, uint32(binary.LittleEndian.Uint16(buf[i:])))
			} else {
				ids = append(ids, binary.LittleEndian.Uint32(buf[i:]))
			}
		}
		if len(ids) > 0 {
			if err := emit(ids); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func readJSON(r io.Reader, emit func([]uint32) error) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("not a JSON array of ids: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errors.New("not a JSON array of ids")
	}
	ids := make([]uint32, 0, idBatch)
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("id %d: %w", n, err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return fmt.Errorf("id %d is %v, not a number", n, tok)
		}
		v, err := strconv.ParseUint(num.String(), 10, 64)
		if err != nil || v > math.MaxUint32 {
			return fmt.Errorf("id %d is %s, not a token id", n, num)
		}
		ids = append(ids, uint32(v))
		n++
		if len(ids) == idBatch {
			if err := emit(ids); err != nil {
				return err
			}
			ids = ids[:0]
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("unterminated JSON array: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("extra data after the JSON array of ids")
	}
	if len(ids) > 0 {
		return emit(ids)
	}
	return nil
}
