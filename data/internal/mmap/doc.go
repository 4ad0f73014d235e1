// Package mmap maps files read-only: syscall.Mmap on linux and darwin, a
// plain read elsewhere (no cgo either way).
package mmap
