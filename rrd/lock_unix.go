//go:build unix

package rrd

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// tryLock takes (write) or shares (!write) the fcntl lock on the whole
// file without waiting, as rrdtool's rrd_rwlock does with F_SETLK. It
// reports busy when another process holds a conflicting lock.
func tryLock(fd uintptr, write bool) (busy bool, err error) {
	lk := unix.Flock_t{Type: unix.F_RDLCK, Whence: 0, Start: 0, Len: 0}
	if write {
		lk.Type = unix.F_WRLCK
	}
	err = unix.FcntlFlock(fd, unix.F_SETLK, &lk)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		return true, nil
	}
	return false, err
}

// unlock releases the fcntl lock.
func unlock(fd uintptr) error {
	lk := unix.Flock_t{Type: unix.F_UNLCK, Whence: 0, Start: 0, Len: 0}
	return unix.FcntlFlock(fd, unix.F_SETLK, &lk)
}

// inodeKey identifies a file across the File values of this process.
type inodeKey struct{ dev, ino uint64 }

func fileKey(fi os.FileInfo) (inodeKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return inodeKey{}, false
	}
	return inodeKey{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true
}
