package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockFile is the name of the single-instance lock in the config folder.
const lockFile = "rogue.lock"

// alreadyRunningError is returned by acquireLock when another Rogue holds
// the lock.
type alreadyRunningError struct {
	PID int // the other process, 0 when its pid could not be read
}

func (e *alreadyRunningError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("Rogue is already running (pid %d)", e.PID)
	}
	return "Rogue is already running"
}

// instanceLock is held by the one running menu-bar app.
type instanceLock struct {
	f *os.File
}

// acquireLock takes the single-instance lock at path: an exclusive flock on
// the file, which then holds the owner's pid. The kernel drops a flock when
// its process dies, so the lock of a crashed Rogue is simply taken over. When
// a live process holds it, acquireLock returns an *alreadyRunningError.
func acquireLock(path string) (*instanceLock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := flock(f); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &alreadyRunningError{PID: readPID(f)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The pid is written for the next instance's message only; the flock
	// is what counts.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &instanceLock{f: f}, nil
}

// flock takes an exclusive lock without waiting, retrying on EINTR.
func flock(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err != unix.EINTR {
			return err
		}
	}
}

// readPID reads the pid the lock's owner wrote; 0 when there is none.
func readPID(f *os.File) int {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 32))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// release drops the lock. The file stays: removing it would let a third
// process lock a new file while a second still waits on the old one.
func (l *instanceLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}
