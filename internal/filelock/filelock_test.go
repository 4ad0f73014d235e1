package filelock

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAcquireHeldRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(path, Options{Note: "first"})
	require.NoError(t, err)
	owner, _, alive, err := Read(path, Options{})
	require.NoError(t, err)
	assert.True(t, alive)
	assert.Equal(t, os.Getpid(), owner.PID)
	assert.Equal(t, "first", owner.Note)

	_, err = Acquire(path, Options{})
	var held *HeldError
	require.ErrorAs(t, err, &held)
	host, _ := os.Hostname()
	assert.Contains(t, err.Error(), host)
	assert.Contains(t, err.Error(), "pid")
	assert.Equal(t, l.Owner().Token, held.Owner.Token)

	require.NoError(t, l.Release())
	assert.NoFileExists(t, path)
	l2, err := Acquire(path, Options{})
	require.NoError(t, err)
	require.NoError(t, l2.Release())
}

// writeLock writes a lock file as another process would have.
func writeLock(t *testing.T, path string, o Owner, beat time.Time) {
	t.Helper()
	b, err := json.Marshal(o)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	require.NoError(t, os.Chtimes(path, beat, beat))
}

// deadPID is the pid of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

func TestStaleLocks(t *testing.T) {
	host, _ := os.Hostname()
	now := time.Now()
	for _, tc := range []struct {
		name      string
		owner     Owner
		beat      time.Time
		takenOver bool
	}{
		{"dead pid on this host", Owner{Host: host, PID: deadPID(t), Token: "a"}, now, true},
		{"live pid on this host", Owner{Host: host, PID: os.Getppid(), Token: "b"}, now, false},
		{"other host, fresh heartbeat", Owner{Host: "elsewhere", PID: 1, Token: "c"}, now, false},
		{"other host, old heartbeat", Owner{Host: "elsewhere", PID: 1, Token: "d"}, now.Add(-time.Hour), true},
		{"half-written file, fresh", Owner{}, now, false},
		{"half-written file, old", Owner{}, now.Add(-time.Hour), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lock")
			writeLock(t, path, tc.owner, tc.beat)
			l, err := Acquire(path, Options{Stale: time.Minute})
			if !tc.takenOver {
				var held *HeldError
				require.ErrorAs(t, err, &held)
				assert.Equal(t, tc.owner.Token, held.Owner.Token)
				return
			}
			require.NoError(t, err)
			defer l.Release()
			owner, _, alive, err := Read(path, Options{})
			require.NoError(t, err)
			assert.True(t, alive)
			assert.Equal(t, os.Getpid(), owner.PID)
			matches, _ := filepath.Glob(path + ".stale-*")
			assert.Empty(t, matches, "nothing left aside")
		})
	}
}

// TestOneWinner races many contenders for a free lock and for a stale one:
// exactly one gets it each time.
func TestOneWinner(t *testing.T) {
	for _, staleFirst := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "lock")
		if staleFirst {
			writeLock(t, path, Owner{Host: "elsewhere", PID: 7, Token: "old"}, time.Now().Add(-time.Hour))
		}
		const n = 16
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			won   []*Lock
			other []error
		)
		start := make(chan struct{})
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				l, err := Acquire(path, Options{Stale: time.Minute})
				mu.Lock()
				defer mu.Unlock()
				var held *HeldError
				switch {
				case err == nil:
					won = append(won, l)
				case !errors.As(err, &held):
					other = append(other, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		require.Empty(t, other)
		require.Len(t, won, 1, "stale first: %v", staleFirst)
		owner, _, _, err := Read(path, Options{})
		require.NoError(t, err)
		assert.Equal(t, won[0].Owner().Token, owner.Token)
		require.NoError(t, won[0].Release())
	}
}

func TestHeartbeatAndLoss(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(path, Options{Heartbeat: 20 * time.Millisecond})
	require.NoError(t, err)
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(path, old, old))
	require.Eventually(t, func() bool {
		st, err := os.Stat(path)
		return err == nil && time.Since(st.ModTime()) < time.Minute
	}, 5*time.Second, 10*time.Millisecond, "the heartbeat refreshes the mtime")

	// Someone judged it stale and took it over: the holder learns it.
	writeLock(t, path, Owner{Host: "elsewhere", PID: 9, Token: "thief"}, time.Now())
	select {
	case <-l.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("the holder did not notice that it lost the lock")
	}
	require.NoError(t, l.Release())
	owner, _, _, err := Read(path, Options{})
	require.NoError(t, err)
	assert.Equal(t, "thief", owner.Token, "release leaves another owner's lock alone")
}

func TestAcquireWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(path, Options{})
	require.NoError(t, err)
	go func() {
		time.Sleep(50 * time.Millisecond)
		l.Release()
	}()
	l2, err := AcquireWait(context.Background(), path, Options{}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, err)
	_, err = AcquireWait(context.Background(), path, Options{}, 30*time.Millisecond, 10*time.Millisecond)
	var held *HeldError
	require.ErrorAs(t, err, &held)
	require.NoError(t, l2.Release())
}
