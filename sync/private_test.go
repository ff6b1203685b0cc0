package sync

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestExportsAndCursorsArePrivate: under umask 0, cursors and CSV files
// (append mode and folder exports) are 0600 and a new export folder 0700;
// an append-mode CSV made readable by others before is made private.
func TestExportsAndCursorsArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "CPUPercent", 60, 1_764_000_000, 100)
	r.add(t, 1, 2, 3)
	makeRRD(t, prefix, "KeyHold", 60, 1_764_000_000, 100).add(t, 0.1, 0.2)
	os.WriteFile(filepath.Join(prefix, "KeyHold.csv"), nil, 0o644)
	if _, err := ExportAppend(context.Background(), prefix, nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"CPUPercent.csv", "CPUPercent-csv.pos", "KeyHold.csv", "KeyHold-csv.pos"} {
		if m := perm(t, filepath.Join(prefix, n)); m != 0o600 {
			t.Errorf("%s: %v, want -rw-------", n, m)
		}
	}
	if err := WriteCursor(CursorPath(prefix, "CPUPercent", Grok), Cursor{unix: r.last()}); err != nil {
		t.Fatal(err)
	}
	if m := perm(t, CursorPath(prefix, "CPUPercent", Grok)); m != 0o600 {
		t.Errorf("forward cursor %v, want -rw-------", m)
	}
	out := filepath.Join(t.TempDir(), "export")
	sum, err := ExportFolder(context.Background(), prefix, out, time.Unix(r.all[0]-60, 0), time.Unix(r.last()+60, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := perm(t, out); m != 0o700 {
		t.Errorf("export folder %v, want -rwx------", m)
	}
	for _, f := range append(sum.Files, sum.Combined) {
		if m := perm(t, f); m != 0o600 {
			t.Errorf("%s: %v, want -rw-------", filepath.Base(f), m)
		}
	}
}

// TestExportFolder_RemovesStaleTemps: a killed export leaves its hidden
// temporary files; the next export into that folder removes them (and
// nothing else), and a second export running at the same time is refused
// rather than removing the first one's files.
func TestExportFolder_RemovesStaleTemps(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "CPUPercent", 60, 1_764_000_000, 100)
	r.add(t, 1, 2, 3)
	out := t.TempDir()
	stale := []string{".CPUPercent.csv.tmp-123456", ".all-metrics.csv.tmp-42", ".KeyHold.csv.tmp-7"}
	keep := []string{".notes.txt.tmp-1", "CPUPercent.csv.tmp-1", "mine.csv"}
	for _, n := range append(append([]string{}, stale...), keep...) {
		os.WriteFile(filepath.Join(out, n), []byte("x"), 0o600)
	}
	since, until := time.Unix(r.all[0]-60, 0), time.Unix(r.last()+60, 0)

	// An export in progress holds the folder: a second one is refused.
	d, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	_, err = ExportFolder(context.Background(), prefix, out, since, until, nil)
	if err == nil || !strings.Contains(err.Error(), "another export") {
		t.Errorf("export into a folder being exported to: %v, want a refusal", err)
	}
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(out, n)); err != nil {
			t.Errorf("a refused export removed %s", n)
		}
	}
	d.Close()

	if _, err := ExportFolder(context.Background(), prefix, out, since, until, nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(out, n)); !os.IsNotExist(err) {
			t.Errorf("stale %s still there (%v)", n, err)
		}
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(out, n)); err != nil {
			t.Errorf("%s was removed: %v", n, err)
		}
	}
}
