package tlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/truce-project/truce"
)

// lockPath is where Open takes its lock, relative to Dir. It sits beside
// Tessera's own lock files in .state, which is never served. Tessera's locks
// are fcntl locks held only around each write, which keep writers from
// interleaving but let two processes append to one log in turns; this
// flock is held for the life of a Log, because Truce's projection assumes
// it is the log's only writer.
const lockPath = ".state/truce.lock"

// lockDir takes an exclusive flock on Dir's lock file without waiting, and
// records the process id in it for whoever finds it taken. Returns
// ECONFLICT if another Log, in this process or another, holds it. Closing
// the returned file releases the lock.
func lockDir(dir string) (*os.File, error) {
	p := filepath.Join(dir, lockPath)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("create log state directory: %w", err)
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log lock: %w", err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, lockedError(dir, p)
		}
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	if err := writePID(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("write pid to %s: %w", p, err)
	}
	return f, nil
}

// lockPatience is how long flock waits for a lock that is taken. A lock
// file's descriptor is briefly shared with any child process this process
// forks, until the child execs; waiting a moment keeps that window from
// being mistaken for another writer.
const lockPatience = 2 * time.Second

// flock takes the lock, retrying if a signal interrupts the call, and for
// up to lockPatience while another holds it.
func flock(f *os.File) error {
	deadline := time.Now().Add(lockPatience)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case errors.Is(err, syscall.EINTR):
		case errors.Is(err, syscall.EWOULDBLOCK) && time.Now().Before(deadline):
			time.Sleep(50 * time.Millisecond)
		default:
			return err
		}
	}
}

// writePID replaces the lock file's content with this process's id.
func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// lockedError says who holds the lock, as far as the lock file tells.
func lockedError(dir, lockFile string) error {
	holder := "another process"
	if b, err := os.ReadFile(lockFile); err == nil && len(b) > 0 {
		holder = "process " + strings.TrimSpace(string(b))
	}
	return truce.Errorf(truce.ECONFLICT, "The log in %s is in use by %s (lock %s); stop it or use another directory.", dir, holder, lockFile)
}
