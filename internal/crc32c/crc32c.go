// Package crc32c holds the one CRC-32C (Castagnoli) table the project uses
// for shards, downloads, checkpoints and TensorBoard records.
package crc32c

import (
	"hash"
	"hash/crc32"
)

// Table is the Castagnoli polynomial table (hardware-accelerated on amd64
// and arm64).
var Table = crc32.MakeTable(crc32.Castagnoli)

// Checksum is the CRC-32C of b.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, Table) }

// New returns a streaming CRC-32C hash.
func New() hash.Hash32 { return crc32.New(Table) }
