package experiment

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaskedCRCKnownValue(t *testing.T) {
	// CRC-32C check value of "123456789" is 0xE3069283 (RFC 3720 / iSCSI).
	c := uint32(0xE3069283)
	assert.Equal(t, ((c>>15)|(c<<17))+0xa282ead8, maskedCRC([]byte("123456789")))
}

func TestEventMarshalBytes(t *testing.T) {
	e := Event{WallTime: 1.5, Step: 3, Scalars: []Scalar{{Tag: "a", Value: 2}}}
	want := []byte{
		0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // wall_time = 1.5 (fixed64)
		0x10, 0x03, // step = 3
		0x2a, 0x0a, // summary, 10 bytes
		0x0a, 0x08, // value, 8 bytes
		0x0a, 0x01, 'a', // tag
		0x15, 0, 0, 0, 0x40, // simple_value = 2.0 (fixed32)
	}
	assert.Equal(t, want, e.Marshal())
}

func TestEventFileRoundTripChecksEveryCRC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.out.tfevents.1.test")
	events := []Event{
		{WallTime: 100.25, Step: 1, Scalars: []Scalar{{"train/loss", 5.5}, {"train/lr", 1e-3}}},
		{WallTime: 101.5, Step: 300, Scalars: []Scalar{{"val/loss", 4.25}}},
	}
	require.NoError(t, WriteEventFile(path, events))
	got, err := ReadEventFile(path)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, "brain.Event:2", got[0].FileVersion)
	assert.Equal(t, events, got[1:])

	// Every byte of every record is covered by a CRC: flipping any byte
	// makes the reader fail.
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	for i := range raw {
		bad := bytes.Clone(raw)
		bad[i] ^= 0x20
		_, err := ReadRecords(bytes.NewReader(bad))
		assert.ErrorIs(t, err, ErrCorrupt, "byte %d flipped", i)
	}
	// A truncated file is corrupt too.
	_, err = ReadRecords(bytes.NewReader(raw[:len(raw)-1]))
	assert.ErrorIs(t, err, ErrCorrupt)
}

func TestSafetensorsLayoutBySpec(t *testing.T) {
	ts := []NamedTensor{
		{Name: "b", Shape: []int{2}, Data: []float32{3, -4}},
		{Name: "a", Shape: []int{1, 3}, Data: []float32{1, 2, float32(math.Inf(1))}},
	}
	b, err := EncodeSafetensors(ts, map[string]string{"format": "pt"})
	require.NoError(t, err)
	n := binary.LittleEndian.Uint64(b)
	assert.Zero(t, (8+n)%8, "data starts 8-byte aligned")
	var hdr map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b[8:8+n], &hdr))
	var a, bb stEntry
	require.NoError(t, json.Unmarshal(hdr["a"], &a))
	require.NoError(t, json.Unmarshal(hdr["b"], &bb))
	assert.Equal(t, stEntry{"F32", []int{1, 3}, [2]int{0, 12}}, a)
	assert.Equal(t, stEntry{"F32", []int{2}, [2]int{12, 20}}, bb)
	assert.JSONEq(t, `{"format":"pt"}`, string(hdr["__metadata__"]))
	data := b[8+n:]
	require.Len(t, data, 20)
	assert.Equal(t, uint32(0x3f800000), binary.LittleEndian.Uint32(data[0:]))  // 1.0
	assert.Equal(t, uint32(0x7f800000), binary.LittleEndian.Uint32(data[8:]))  // +Inf
	assert.Equal(t, uint32(0xc0800000), binary.LittleEndian.Uint32(data[16:])) // -4.0

	got, meta, err := DecodeSafetensors(b)
	require.NoError(t, err)
	assert.Equal(t, "pt", meta["format"])
	require.Len(t, got, 2)
	assert.Equal(t, "a", got[0].Name)
	assert.Equal(t, []float32{3, -4}, got[1].Data)
}

func TestSafetensorsRejectsBadFiles(t *testing.T) {
	good, err := EncodeSafetensors([]NamedTensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}}, nil)
	require.NoError(t, err)
	n := binary.LittleEndian.Uint64(good)
	cases := map[string][]byte{
		"short":         good[:5],
		"huge header":   append(binary.LittleEndian.AppendUint64(nil, 1<<40), good[8:]...),
		"missing bytes": good[:len(good)-4],
		"extra bytes":   append(bytes.Clone(good), 0, 0, 0, 0),
		"bad json":      append(append(binary.LittleEndian.AppendUint64(nil, n), bytes.Repeat([]byte("{"), int(n))...), good[8+n:]...),
	}
	for name, b := range cases {
		_, _, err := DecodeSafetensors(b)
		assert.Error(t, err, name)
	}
	_, err = EncodeSafetensors([]NamedTensor{{Name: "w", Shape: []int{3}, Data: []float32{1}}}, nil)
	assert.Error(t, err, "shape mismatch")
}

func TestSafetensorsFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	want := []NamedTensor{{Name: "transformer.wte.weight", Shape: []int{3, 2}, Data: []float32{0.1, -0.2, 0.3, 1e-30, -0, 7}}}
	require.NoError(t, WriteSafetensors(path, want, nil))
	got, _, err := ReadSafetensors(path)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}
