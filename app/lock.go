package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

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
	pid, _ := readOwner(f)
	return pid
}

// readOwner reads what the lock's owner wrote: its pid on the first line
// and, in a data-folder lock, its command line on the second. pid is 0 when
// there is none.
func readOwner(f *os.File) (pid int, command string) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 4096))
	if err != nil {
		return 0, ""
	}
	first, rest, _ := strings.Cut(string(b), "\n")
	pid, err = strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0, ""
	}
	command, _, _ = strings.Cut(rest, "\n")
	return pid, strings.TrimSpace(command)
}

// dataLockFile is the lock in a data folder (the --prefix of the RRD files
// and cursors). Every Rogue process that writes there holds it for as long
// as it runs: the app, "rogue agent", "rogue forward" and "rogue export".
// Two of them at once would send points twice, interleave exports, or, with
// --reset, delete the files under a running agent.
const dataLockFile = ".rogue.lock"

// dataInUseError is returned by lockData when another Rogue process uses
// the data folder.
type dataInUseError struct {
	Dir     string // the data folder
	PID     int    // the process holding it, 0 when unknown
	Command string // its command line, "" when unknown
}

func (e *dataInUseError) Error() string {
	who := "another Rogue process"
	switch {
	case e.PID > 0 && e.Command != "":
		who = fmt.Sprintf("Rogue (pid %d: %s)", e.PID, e.Command)
	case e.PID > 0:
		who = fmt.Sprintf("Rogue (pid %d)", e.PID)
	}
	return fmt.Sprintf("the data folder %s is in use by %s; stop that first", e.Dir, who)
}

// forwardHint is added to a *dataInUseError by "rogue forward" only: the
// app, the likely holder, forwards by itself.
const forwardHint = " (the app forwards by itself while forwarding is on)"

// lockRetry is how often lockData tries again while it waits.
const lockRetry = 100 * time.Millisecond

// lockData takes the data folder's lock, waiting up to wait for a holder to finish, and writes this
// process's pid and command line into it for the message of the next one.
// When another process holds it still, it returns a *dataInUseError naming
// that process. A missing folder is created (private) when create is set;
// otherwise there is nothing to lock and lockData returns a nil lock, whose
// release does nothing, so that the command itself reports the folder
// missing.
func lockData(dir string, wait time.Duration, create bool) (*instanceLock, error) {
	if !create {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock data folder: %w", err)
	}
	path := filepath.Join(dir, dataLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if !create && (errors.Is(err, fs.ErrPermission) || errors.Is(err, unix.EROFS)) {
		// A folder this user cannot write (a read-only copy exported from)
		// has no running Rogue of this user to keep apart from.
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lock data folder: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		err = flock(f)
		if !errors.Is(err, unix.EWOULDBLOCK) || !time.Now().Before(deadline) {
			break
		}
		time.Sleep(lockRetry)
	}
	if err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			pid, cmd := readOwner(f)
			return nil, &dataInUseError{Dir: dir, PID: pid, Command: cmd}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	owner := strconv.Itoa(os.Getpid()) + "\n" + commandLine(os.Args) + "\n"
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(owner), 0)
	}
	return &instanceLock{f: f}, nil
}

// dataFolderHolder reports whether a Rogue process holds the lock of the
// data folder dir, and the pid and command line it wrote there. It only
// tries a shared lock for a moment, on a descriptor opened read-only, and
// creates nothing: no lock file means no Rogue has run there.
func dataFolderHolder(dir string) (held bool, pid int, command string, err error) {
	f, err := os.Open(filepath.Join(dir, dataLockFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, 0, "", nil
	}
	if err != nil {
		return false, 0, "", fmt.Errorf("lock data folder: %w", err)
	}
	defer f.Close()
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
		if err != unix.EINTR {
			break
		}
	}
	switch {
	case errors.Is(err, unix.EWOULDBLOCK):
		pid, command = readOwner(f)
		return true, pid, command, nil
	case err != nil:
		return false, 0, "", fmt.Errorf("lock data folder: %w", err)
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false, 0, "", nil
}

// commandLine is args as one line for a lock file, cut to 200 bytes. No
// secret is ever on Rogue's command line.
func commandLine(args []string) string {
	s := strings.Join(args, " ")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
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
