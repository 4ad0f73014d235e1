package experiment

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/empirical-scaling/harness/internal/atomicfile"
	"github.com/empirical-scaling/harness/internal/crc32c"
)

// TensorBoard event files are TFRecord streams of Event protocol buffers.
// Each record is
//
//	uint64 length (little endian)
//	uint32 masked CRC-32C of the length bytes
//	length bytes of data (a serialised Event)
//	uint32 masked CRC-32C of the data
//
// with mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8. The messages
// are encoded here by hand (tensorflow/core/util/event.proto and
// summary.proto):
//
//	Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//	Summary { repeated Value value = 1; }
//	Value   { string tag = 1; float simple_value = 2; }
//
// The first record of a file carries file_version "brain.Event:2".

func maskedCRC(b []byte) uint32 {
	c := crc32c.Checksum(b)
	return ((c >> 15) | (c << 17)) + 0xa282ead8
}

// Scalar is one tagged value of an event.
type Scalar struct {
	Tag   string
	Value float32
}

// Event is one TensorBoard event: a file-version header or a step's scalars.
type Event struct {
	WallTime    float64
	Step        int64
	FileVersion string
	Scalars     []Scalar
}

// protobuf wire helpers.
func appendVarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
func appendTag(b []byte, field, wire int) []byte {
	return appendVarint(b, uint64(field<<3|wire))
}
func appendBytes(b []byte, field int, data []byte) []byte {
	b = appendTag(b, field, 2)
	b = appendVarint(b, uint64(len(data)))
	return append(b, data...)
}

// Marshal encodes e as an Event protocol buffer.
func (e Event) Marshal() []byte {
	var b []byte
	b = appendTag(b, 1, 1) // wall_time: fixed64
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.WallTime))
	if e.Step != 0 {
		b = appendTag(b, 2, 0)
		b = appendVarint(b, uint64(e.Step))
	}
	if e.FileVersion != "" {
		b = appendBytes(b, 3, []byte(e.FileVersion))
	}
	if len(e.Scalars) > 0 {
		var sum []byte
		for _, s := range e.Scalars {
			var v []byte
			v = appendBytes(v, 1, []byte(s.Tag))
			v = appendTag(v, 2, 5) // simple_value: fixed32
			v = binary.LittleEndian.AppendUint32(v, math.Float32bits(s.Value))
			sum = appendBytes(sum, 1, v)
		}
		b = appendBytes(b, 5, sum)
	}
	return b
}

// AppendRecord appends data as one TFRecord.
func AppendRecord(dst, data []byte) []byte {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(data)))
	dst = append(dst, n[:]...)
	dst = binary.LittleEndian.AppendUint32(dst, maskedCRC(n[:]))
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, maskedCRC(data))
}

// ErrCorrupt is wrapped by the reader's errors about bad records.
var ErrCorrupt = errors.New("corrupt TFRecord")

// ReadRecords splits a TFRecord stream into its records, checking both
// CRCs of every record.
func ReadRecords(r io.Reader) ([][]byte, error) {
	var out [][]byte
	for i := 0; ; i++ {
		var head [12]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, fmt.Errorf("record %d header: %w: %w", i, ErrCorrupt, err)
		}
		if got, want := binary.LittleEndian.Uint32(head[8:]), maskedCRC(head[:8]); got != want {
			return out, fmt.Errorf("record %d: %w: length CRC %08x, want %08x", i, ErrCorrupt, got, want)
		}
		n := binary.LittleEndian.Uint64(head[:8])
		if n > 1<<30 {
			return out, fmt.Errorf("record %d: %w: length %d", i, ErrCorrupt, n)
		}
		data := make([]byte, n+4)
		if _, err := io.ReadFull(r, data); err != nil {
			return out, fmt.Errorf("record %d body: %w: %w", i, ErrCorrupt, err)
		}
		if got, want := binary.LittleEndian.Uint32(data[n:]), maskedCRC(data[:n]); got != want {
			return out, fmt.Errorf("record %d: %w: data CRC %08x, want %08x", i, ErrCorrupt, got, want)
		}
		out = append(out, data[:n])
	}
}

// UnmarshalEvent decodes the Event fields this package writes, skipping
// unknown fields.
func UnmarshalEvent(b []byte) (Event, error) {
	var e Event
	err := walkProto(b, func(field, wire int, v uint64, data []byte) error {
		switch {
		case field == 1 && wire == 1:
			e.WallTime = math.Float64frombits(v)
		case field == 2 && wire == 0:
			e.Step = int64(v)
		case field == 3 && wire == 2:
			e.FileVersion = string(data)
		case field == 5 && wire == 2:
			return walkProto(data, func(f, w int, _ uint64, val []byte) error {
				if f != 1 || w != 2 {
					return nil
				}
				var s Scalar
				err := walkProto(val, func(f, w int, v uint64, d []byte) error {
					switch {
					case f == 1 && w == 2:
						s.Tag = string(d)
					case f == 2 && w == 5:
						s.Value = math.Float32frombits(uint32(v))
					}
					return nil
				})
				e.Scalars = append(e.Scalars, s)
				return err
			})
		}
		return nil
	})
	return e, err
}

// walkProto calls fn for every field of a serialised message.
func walkProto(b []byte, fn func(field, wire int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return fmt.Errorf("protobuf: bad key")
		}
		b = b[n:]
		field, wire := int(key>>3), int(key&7)
		var v uint64
		var data []byte
		switch wire {
		case 0:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				return fmt.Errorf("protobuf: bad varint in field %d", field)
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return fmt.Errorf("protobuf: short fixed64 in field %d", field)
			}
			v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 5:
			if len(b) < 4 {
				return fmt.Errorf("protobuf: short fixed32 in field %d", field)
			}
			v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return fmt.Errorf("protobuf: bad length in field %d", field)
			}
			data, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return fmt.Errorf("protobuf: wire type %d in field %d not supported", wire, field)
		}
		if err := fn(field, wire, v, data); err != nil {
			return err
		}
	}
	return nil
}

// WriteEventFile writes events (after a file-version header stamped with
// the first event's time) as a complete event file, atomically.
func WriteEventFile(path string, events []Event) error {
	var b bytes.Buffer
	var t0 float64
	if len(events) > 0 {
		t0 = events[0].WallTime
	}
	b.Write(AppendRecord(nil, Event{WallTime: t0, FileVersion: "brain.Event:2"}.Marshal()))
	for _, e := range events {
		b.Write(AppendRecord(nil, e.Marshal()))
	}
	return atomicfile.WriteFile(path, b.Bytes())
}

// ReadEventFile reads every event of an event file, checking every CRC.
func ReadEventFile(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer f.Close()
	recs, err := ReadRecords(f)
	if err != nil {
		return nil, fmt.Errorf("read events %s: %w", path, err)
	}
	out := make([]Event, 0, len(recs))
	for i, r := range recs {
		e, err := UnmarshalEvent(r)
		if err != nil {
			return nil, fmt.Errorf("read events %s: record %d: %w", path, i, err)
		}
		out = append(out, e)
	}
	return out, nil
}
