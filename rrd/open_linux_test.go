package rrd

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestOpenOnReadOnlyFileSystem: a file on a read-only file system opens
// read-only and reads, as with rrdtool; updates fail cleanly. It needs to
// mount a tmpfs (root).
func TestOpenOnReadOnlyFileSystem(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	p := filepath.Join(dir, "ro.rrd")
	start := time.Unix(1700000000, 0)
	if err := Create(p, testDef(start)); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	if _, err := os.OpenFile(p, os.O_RDWR, 0); !errors.Is(err, syscall.EROFS) {
		t.Skipf("the file system is not read-only (open for writing: %v)", err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatalf("Open on a read-only file system: %v", err)
	}
	defer f.Close()
	if _, err := f.Fetch(Average, start.Add(-time.Hour), start, 0); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if err := f.Update(Sample{Time: start.Add(time.Minute), Values: []float64{1, 1, 1, 1}}); !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("Update on a read-only file system = %v, want a permission error", err)
	}
}
