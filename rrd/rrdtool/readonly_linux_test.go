package rrdtool

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRRD_ReadOnlyFileSystem: on a read-only file system rrdtool reads a
// file (info, fetch, dump) and refuses to update it with open(2)'s
// message; so does rogue rrd. It mounts a tmpfs, so it needs root.
func TestRRD_ReadOnlyFileSystem(t *testing.T) {
	rrdtoolBinary(t)
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	path := filepath.Join(dir, "ro.rrd")
	mustRrdtool(t, "create", path, "--start", "1700000000", "--step", "60", "DS:a:GAUGE:120:U:U", "RRA:AVERAGE:0.5:1:10")
	mustRrdtool(t, "update", path, "1700000060:1", "1700000120:2")
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	for _, args := range [][]string{
		{"info", path}, {"dump", path}, {"last", path}, {"fetch", path, "AVERAGE", "-s", "1700000000", "-e", "1700000300"},
		{"update", path, "1700000180:3"},
	} {
		ours, theirs := rrdBoth(t, args...)
		if args[0] == "update" && !strings.Contains(theirs.err, "Read-only file system") {
			t.Errorf("rrdtool update on a read-only file system: %q; the test is not testing", theirs.err)
		}
		if ours.code != theirs.code || ours.out != theirs.out || rrdFirstLine(ours.err) != rrdFirstLine(theirs.err) {
			t.Errorf("%v: rogue %d %q %q, rrdtool %d %q %q", args[0], ours.code, rrdFirstLine(ours.out), ours.err, theirs.code, rrdFirstLine(theirs.out), theirs.err)
		}
	}
}
