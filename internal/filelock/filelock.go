// Package filelock is an exclusive lock that works across machines on a
// shared filesystem (NFS, Lustre, GPFS): a lock file created with
// O_CREAT|O_EXCL, holding its owner (host, pid, start time, a random
// token), whose modification time the holder refreshes as a heartbeat.
//
// It deliberately does not use fcntl or flock locks: on NFSv3 they need
// lockd/statd and silently become node-local under -o nolock, Lustre
// refuses them (ENOSYS) unless mounted with -o flock and makes them
// node-local with -o localflock, and a lock held by a dead node lingers
// until the server's lease or grace period ends. Exclusive create, rename
// and hard links are atomic on every NFS version since v3 and on Lustre,
// and need no mount option.
//
// A lock is stale, and taken over, when its holder ran on this host and
// its pid no longer exists, or when its heartbeat is older than
// Options.Stale (a holder on another host, or a pid that could not be
// checked). The mtime is set from the holder's clock and read against the
// reader's, so clocks must agree to well within Stale (NTP), and Stale must
// exceed Heartbeat plus the NFS attribute cache time (acregmax, 60 s by
// default); the defaults (30 s, 3 min) do.
package filelock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultHeartbeat = 30 * time.Second
	DefaultStale     = 3 * time.Minute
)

// Owner is what a lock file holds.
type Owner struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Token   string    `json:"token"`
	// Note says more about the holder (e.g. a Slurm job and task).
	Note string `json:"note,omitempty"`
}

// String is "host pid N (note)".
func (o Owner) String() string {
	s := fmt.Sprintf("%s pid %d", o.Host, o.PID)
	if o.Note != "" {
		s += " (" + o.Note + ")"
	}
	return s
}

// Options tune a lock. Zero values take the defaults.
type Options struct {
	Heartbeat time.Duration // how often the holder refreshes the lock's mtime
	Stale     time.Duration // a heartbeat older than this marks the holder dead
	Note      string        // Owner.Note
}

func (o Options) withDefaults() Options {
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.Stale <= 0 {
		o.Stale = DefaultStale
	}
	return o
}

// HeldError is returned by Acquire when another live process holds the lock.
type HeldError struct {
	Path  string
	Owner Owner
	Beat  time.Time // the holder's last heartbeat
}

func (e *HeldError) Error() string {
	if e.Owner.PID == 0 {
		return fmt.Sprintf("%s is held by a process that is still writing it (heartbeat %s)", e.Path, e.Beat.Format(time.RFC3339))
	}
	return fmt.Sprintf("%s is held by %s since %s (heartbeat %s ago)", e.Path, e.Owner,
		e.Owner.Started.Format(time.RFC3339), time.Since(e.Beat).Round(time.Second))
}

// Lock is a held lock.
type Lock struct {
	path  string
	owner Owner
	stop  chan struct{}
	lost  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

// Owner is the lock's owner record (this process).
func (l *Lock) Owner() Owner { return l.owner }

// Lost is closed when the heartbeat finds the lock file gone or owned by
// someone else (it was judged stale and taken over): the holder must stop.
func (l *Lock) Lost() <-chan struct{} { return l.lost }

// Release stops the heartbeat and removes the lock file if it is still
// this process's.
func (l *Lock) Release() error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		l.wg.Wait()
		o, _, rerr := read(l.path)
		switch {
		case errors.Is(rerr, fs.ErrNotExist):
		case rerr != nil:
			err = rerr
		case o.Token == l.owner.Token:
			if rmErr := os.Remove(l.path); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
				err = fmt.Errorf("release %s: %w", l.path, rmErr)
			}
		}
	})
	return err
}

// Acquire takes the lock at path, or returns a *HeldError naming the live
// holder. A stale lock is taken over.
func Acquire(path string, o Options) (*Lock, error) {
	o = o.withDefaults()
	host, _ := os.Hostname()
	me := Owner{Host: host, PID: os.Getpid(), Started: time.Now().UTC().Truncate(time.Second), Token: newToken(), Note: o.Note}
	for attempt := 0; attempt < 8; attempt++ {
		err := create(path, me)
		if err == nil {
			l := &Lock{path: path, owner: me, stop: make(chan struct{}), lost: make(chan struct{})}
			l.wg.Add(1)
			go l.heartbeat(o.Heartbeat)
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		cur, beat, err := read(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, err
		}
		if !stale(cur, beat, o.Stale) {
			return nil, &HeldError{Path: path, Owner: cur, Beat: beat}
		}
		if held, err := takeOver(path, cur, me.Token); err != nil || held != nil {
			return nil, errors.Join(err, heldOrNil(held))
		}
	}
	return nil, fmt.Errorf("lock %s: too much contention, giving up", path)
}

func heldOrNil(h *HeldError) error {
	if h == nil {
		return nil
	}
	return h
}

// Read returns the owner of the lock at path, its last heartbeat, and
// whether it looks alive (not stale under o). A missing file is an error
// wrapping fs.ErrNotExist.
func Read(path string, o Options) (owner Owner, beat time.Time, alive bool, err error) {
	owner, beat, err = read(path)
	if err != nil {
		return owner, beat, false, err
	}
	return owner, beat, !stale(owner, beat, o.withDefaults().Stale), nil
}

// create makes the lock file with O_EXCL and writes the owner into it.
func create(path string, me Owner) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("lock %s: %w", path, err)
	}
	b, _ := json.Marshal(me)
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("lock %s: %w", path, err)
	}
	return nil
}

// read returns the owner recorded at path and the file's mtime. A file
// still being written (empty or cut short) reads as an owner with no pid.
func read(path string) (Owner, time.Time, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Owner{}, time.Time{}, fmt.Errorf("lock %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return Owner{}, time.Time{}, fmt.Errorf("lock %s: %w", path, err)
	}
	var o Owner
	if json.Unmarshal(b, &o) != nil {
		o = Owner{}
	}
	return o, st.ModTime(), nil
}

// stale says whether the holder is gone: a dead pid on this host, or a
// heartbeat older than limit.
func stale(o Owner, beat time.Time, limit time.Duration) bool {
	if host, _ := os.Hostname(); o.PID > 0 && o.Host == host && !pidAlive(o.PID) {
		return true
	}
	return time.Since(beat) > limit
}

// takeOver replaces the stale lock judged to belong to old. It renames the
// lock aside (atomic: of several contenders one wins), checks that what it
// moved is the stale lock and not a fresh one made meanwhile by another
// contender, and then removes it so that the caller can create its own.
// When it moved a fresh lock it puts it back with link (which fails rather
// than overwrite a newer one) and reports that holder.
func takeOver(path string, old Owner, token string) (*HeldError, error) {
	aside := path + ".stale-" + token
	if err := os.Rename(path, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil // another contender moved it: try again
		}
		return nil, fmt.Errorf("take over %s: %w", path, err)
	}
	defer os.Remove(aside)
	moved, beat, err := read(aside)
	if err != nil {
		return nil, nil
	}
	if moved.Token == old.Token {
		return nil, nil
	}
	if err := os.Link(aside, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("take over %s: put back %s's lock: %w", path, moved, err)
	}
	return &HeldError{Path: path, Owner: moved, Beat: beat}, nil
}

// heartbeat refreshes the lock's mtime until Release, and closes lost when
// the file is no longer this process's.
func (l *Lock) heartbeat(every time.Duration) {
	defer l.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		o, _, err := read(l.path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && o.Token != l.owner.Token) {
			close(l.lost)
			return
		}
		now := time.Now()
		os.Chtimes(l.path, now, now) // a failed beat is retried at the next tick
	}
}

func newToken() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// AcquireWait is Acquire that retries while the lock is held, for up to
// wait (polling every poll, at least 10 ms), or until ctx is done. It
// returns the last *HeldError when time runs out.
func AcquireWait(ctx context.Context, path string, o Options, wait, poll time.Duration) (*Lock, error) {
	poll = max(poll, 10*time.Millisecond)
	deadline := time.Now().Add(wait)
	for {
		l, err := Acquire(path, o)
		var held *HeldError
		if err == nil || !errors.As(err, &held) || !time.Now().Add(poll).Before(deadline) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-time.After(poll):
		}
	}
}
