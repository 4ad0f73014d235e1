//go:build linux || darwin

package flock

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeldWhileLockedFreeAfterRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	_, err := Held(path)
	require.ErrorIs(t, err, os.ErrNotExist)

	release, err := Create(path)
	require.NoError(t, err)
	held, err := Held(path)
	require.NoError(t, err)
	assert.True(t, held)
	_, err = os.Stat(path + ".tmp")
	assert.ErrorIs(t, err, os.ErrNotExist, "the temporary name is gone")

	release()
	held, err = Held(path)
	require.NoError(t, err)
	assert.False(t, held)
}

// A lock held by another process that was killed is free.
func TestLockOfKilledProcessIsFree(t *testing.T) {
	if os.Getenv("FLOCK_HELPER") != "" {
		if _, err := Create(os.Getenv("FLOCK_HELPER")); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		select {} // hold until killed
	}
	path := filepath.Join(t.TempDir(), ".lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockOfKilledProcessIsFree$")
	cmd.Env = append(os.Environ(), "FLOCK_HELPER="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	buf := make([]byte, 7)
	_, err = out.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "locked\n", string(buf))

	held, err := Held(path)
	require.NoError(t, err)
	assert.True(t, held, "held by a live process")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	held, err = Held(path)
	require.NoError(t, err)
	assert.False(t, held, "free once its process was killed")
}
