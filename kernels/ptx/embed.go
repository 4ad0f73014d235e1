// Package ptx embeds the PTX that `make kernels` generates from
// kernels/src/*.cu, so that the CUDA backend loads its kernels from the
// binary itself. Each file's first line is "// source-sha256: <hex>", the
// hash of the source it was compiled from (see kernels/Makefile).
package ptx

import "embed"

// FS holds every generated <name>.ptx (and <name>.sm90.ptx variant).
//
//go:embed *.ptx
var FS embed.FS
