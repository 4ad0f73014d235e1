package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/empirical-scaling/harness/internal/cli"
)

func runCmd(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestPrepareSyntheticTwice(t *testing.T) {
	cache := t.TempDir()
	out, _, err := runCmd("prepare", "-data", "synthetic", "-cache", cache, "-synthetic-size", "200KiB", "-vocab-size", "300", "-quiet")
	require.NoError(t, err)
	assert.Contains(t, out, "built in")
	assert.Contains(t, out, "tokenizer  300 tokens")
	assert.Contains(t, out, filepath.Join(cache, "datasets"))

	out, _, err = runCmd("prepare", "-data", "synthetic", "-cache", cache, "-synthetic-size", "200KiB", "-vocab-size", "300")
	require.NoError(t, err)
	assert.Contains(t, out, "from the cache")
}

func TestPrepareLocalPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "my.txt")
	var b strings.Builder
	for i := 0; i < 30; i++ {
		b.WriteString("A short story about a dog and a ball.\n\n")
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	out, _, err := runCmd("prepare", "-data", path, "-cache", t.TempDir(), "-vocab-size", "280", "-quiet")
	require.NoError(t, err)
	assert.Contains(t, out, "29 documents")
	assert.Contains(t, out, "from 1 documents")
}

func TestUserMistakes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"unknown flag", []string{"prepare", "-bogus"}, "flag provided but not defined: -bogus"},
		{"bad size", []string{"prepare", "-synthetic-size", "lots"}, "not a positive byte count"},
		{"bad number", []string{"prepare", "-vocab-size", "many"}, "invalid value"},
		{"stray argument", []string{"prepare", "extra"}, `unexpected argument "extra"`},
		{"missing file", []string{"prepare", "-data", "/no/such/file.txt"}, "not tinystories, synthetic, fineweb-edu, hf:OWNER/NAME, or an existing file"},
		{"vocab out of range", []string{"prepare", "-vocab-size", "70000"}, "out of range"},
		{"vocab below the bytes", []string{"prepare", "-vocab-size", "100"}, "-vocab-size 100 out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if len(args) > 0 && args[0] == "prepare" {
				args = append(args, "-cache", t.TempDir(), "-quiet")
			}
			_, _, err := runCmd(args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.Equal(t, cli.ExitUsage, cli.ExitCode(err), "a command-line mistake")
		})
	}
}

func TestHelp(t *testing.T) {
	out, _, err := runCmd("prepare", "-h")
	require.NoError(t, err)
	assert.Contains(t, out, "usage: experiment prepare")
	assert.Contains(t, out, "-hf-endpoint")
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1048576", 1 << 20, true},
		{"64MiB", 64 << 20, true},
		{"64mib", 64 << 20, true},
		{"100MB", 100_000_000, true},
		{"1.5GiB", 3 << 29, true},
		{"512k", 512 << 10, true},
		{"0", 0, false},
		{"-3MB", 0, false},
		{"MB", 0, false},
		{"ten", 0, false},
	}
	for _, tc := range tests {
		got, err := parseSize(tc.in)
		if !tc.ok {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

// TestPrepareInterruptedExits130 cancels the context (as SIGINT does)
// while a large synthetic corpus is being built: prepare stops within a
// couple of seconds with the interrupted status and leaves no dataset and
// no build folder in the cache.
func TestPrepareInterruptedExits130(t *testing.T) {
	cache := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	var out, errb bytes.Buffer
	err := run(ctx, []string{"prepare", "-data", "synthetic", "-cache", cache, "-synthetic-size", "2GiB", "-quiet"}, &out, &errb)
	took := time.Since(start)
	require.Error(t, err)
	assert.Equal(t, cli.ExitInterrupted, cli.ExitCode(err), err.Error())
	assert.Less(t, took, 3*time.Second, "stops promptly")
	left, _ := filepath.Glob(filepath.Join(cache, "datasets", "*"))
	hidden, _ := filepath.Glob(filepath.Join(cache, "datasets", ".*"))
	assert.Empty(t, append(left, hidden...), "nothing half-written stays in the cache")
}
