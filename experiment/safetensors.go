package experiment

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/empirical-scaling/harness/internal/atomicfile"
)

// The safetensors format (huggingface/safetensors):
//
//	8 bytes   N, the header size, little-endian uint64
//	N bytes   JSON header: {"name": {"dtype": "F32", "shape": [..],
//	          "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}},
//	          padded with spaces so the data starts 8-byte aligned
//	rest      the tensors' bytes, little endian, row-major; offsets are
//	          relative to the start of this block and the tensors cover it
//	          without gaps or overlaps
//
// Only F32 tensors are written here (checkpoints keep float32 masters).

// NamedTensor is one float32 tensor of a safetensors file.
type NamedTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

type stEntry struct {
	DType       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets [2]int `json:"data_offsets"`
}

// EncodeSafetensors serialises tensors (sorted by name) and metadata.
func EncodeSafetensors(tensors []NamedTensor, metadata map[string]string) ([]byte, error) {
	ts := append([]NamedTensor(nil), tensors...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	off := 0
	for i, t := range ts {
		if t.Name == "" || t.Name == "__metadata__" {
			return nil, fmt.Errorf("safetensors: bad tensor name %q", t.Name)
		}
		if i > 0 && ts[i-1].Name == t.Name {
			return nil, fmt.Errorf("safetensors: duplicate tensor %q", t.Name)
		}
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("safetensors: %s: shape %v holds %d values, have %d", t.Name, t.Shape, n, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = stEntry{DType: "F32", Shape: shape, DataOffsets: [2]int{off, off + 4*n}}
		off += 4 * n
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("safetensors: header: %w", err)
	}
	for (8+len(h))%8 != 0 {
		h = append(h, ' ')
	}
	out := make([]byte, 8, 8+len(h)+off)
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	for _, t := range ts {
		for _, v := range t.Data {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	return out, nil
}

// WriteSafetensors writes tensors and metadata to path atomically.
func WriteSafetensors(path string, tensors []NamedTensor, metadata map[string]string) error {
	b, err := EncodeSafetensors(tensors, metadata)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteFile(path, b)
}

// DecodeSafetensors parses a safetensors file holding F32 tensors,
// checking the header, the offsets (contiguous, covering the data, no
// overlap) and the shapes. Tensors come back sorted by offset.
func DecodeSafetensors(b []byte) ([]NamedTensor, map[string]string, error) {
	if len(b) < 8 {
		return nil, nil, fmt.Errorf("safetensors: file of %d bytes has no header", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) || n > 100<<20 {
		return nil, nil, fmt.Errorf("safetensors: header size %d exceeds the file (%d bytes)", n, len(b))
	}
	hdr := b[8 : 8+n]
	data := b[8+n:]
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimRight(hdr, " "), &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: header JSON: %w", err)
	}
	var meta map[string]string
	type item struct {
		name string
		e    stEntry
	}
	var items []item
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: __metadata__: %w", err)
			}
			continue
		}
		var e stEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: entry %q: %w", k, err)
		}
		items = append(items, item{k, e})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].e.DataOffsets[0] < items[j].e.DataOffsets[0] })
	out := make([]NamedTensor, 0, len(items))
	pos := 0
	for _, it := range items {
		e := it.e
		if e.DType != "F32" {
			return nil, nil, fmt.Errorf("safetensors: %s: dtype %s not supported (want F32)", it.name, e.DType)
		}
		if e.DataOffsets[0] != pos || e.DataOffsets[1] < e.DataOffsets[0] || e.DataOffsets[1] > len(data) {
			return nil, nil, fmt.Errorf("safetensors: %s: data offsets %v leave a gap, overlap or exceed the %d data bytes", it.name, e.DataOffsets, len(data))
		}
		cnt := 1
		for _, d := range e.Shape {
			if d < 0 {
				return nil, nil, fmt.Errorf("safetensors: %s: negative dimension in %v", it.name, e.Shape)
			}
			cnt *= d
		}
		if 4*cnt != e.DataOffsets[1]-e.DataOffsets[0] {
			return nil, nil, fmt.Errorf("safetensors: %s: shape %v needs %d bytes, offsets give %d", it.name, e.Shape, 4*cnt, e.DataOffsets[1]-e.DataOffsets[0])
		}
		vals := make([]float32, cnt)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[pos+4*i:]))
		}
		out = append(out, NamedTensor{Name: it.name, Shape: e.Shape, Data: vals})
		pos = e.DataOffsets[1]
	}
	if pos != len(data) {
		return nil, nil, fmt.Errorf("safetensors: %d trailing data bytes not covered by any tensor", len(data)-pos)
	}
	return out, meta, nil
}

// ReadSafetensors reads and decodes a safetensors file.
func ReadSafetensors(path string) ([]NamedTensor, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read checkpoint: %w", err)
	}
	ts, meta, err := DecodeSafetensors(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, meta, nil
}
