package agent

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/metric"
)

// withUmask runs the test under umask mask (process-wide, so such tests do
// not run in parallel).
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestDataIsPrivate: whatever the umask, a new data folder is 0700 and the
// RRD files 0600; an existing folder and files readable by others are made
// private at the first start on them, and the log says so. Key timings
// tell typists apart.
func TestDataIsPrivate(t *testing.T) {
	for _, tt := range []struct {
		name     string
		existing bool
	}{
		{"NewFolder", false},
		{"ExistingFolderAndFiles", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			withUmask(t, 0)
			prefix := filepath.Join(t.TempDir(), "db")
			others := []string{"CPUPercent.pos", "CPUPercent-csv.pos", "CPUPercent.csv", "KeyHold.rrd.bad-20261201T000000Z"}
			if tt.existing {
				a, _ := newTestAgent(t, Config{Prefix: prefix, Interval: 10 * time.Second})
				a.Close()
				os.Chmod(prefix, 0o755)
				for _, m := range metric.All {
					os.Chmod(filepath.Join(prefix, m.Name+".rrd"), 0o644)
				}
				for _, n := range others {
					os.WriteFile(filepath.Join(prefix, n), []byte("1"), 0o644)
				}
				os.WriteFile(filepath.Join(prefix, "notes.txt"), []byte("mine"), 0o644)
				os.WriteFile(filepath.Join(prefix, "budget.csv"), []byte("mine"), 0o644)
			}
			_, logs := newTestAgent(t, Config{Prefix: prefix, Interval: 10 * time.Second})
			if m := mode(t, prefix); m != 0o700 {
				t.Errorf("data folder %v, want -rwx------", m)
			}
			for _, m := range metric.All {
				if got := mode(t, filepath.Join(prefix, m.Name+".rrd")); got != 0o600 {
					t.Errorf("%s.rrd %v, want -rw-------", m.Name, got)
				}
			}
			if !tt.existing {
				if logs.count("private") != 0 {
					t.Errorf("a new folder logged a change of permissions:\n%s", logs)
				}
				return
			}
			for _, n := range others {
				if got := mode(t, filepath.Join(prefix, n)); got != 0o600 {
					t.Errorf("%s %v, want -rw-------", n, got)
				}
			}
			for _, n := range []string{"notes.txt", "budget.csv"} {
				if got := mode(t, filepath.Join(prefix, n)); got != 0o644 {
					t.Errorf("%s, not Rogue's, was changed to %v", n, got)
				}
			}
			if logs.count("data folder was readable by other users", "was=-rwxr-xr-x") != 1 || logs.count("files were readable by other users", "files=17") != 1 {
				t.Errorf("the log does not say what was made private:\n%s", logs)
			}
			// The next start has nothing to change and says nothing.
			_, logs = newTestAgent(t, Config{Prefix: prefix, Interval: 10 * time.Second})
			if logs.count("private") != 0 {
				t.Errorf("second start logged permissions again:\n%s", logs)
			}
		})
	}
}

// TestMakePrivateLeavesSharedFoldersAlone: a sticky folder (like /tmp) is
// never changed, only warned about.
func TestMakePrivateLeavesSharedFoldersAlone(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o777|fs.ModeSticky)
	_, logs := newTestAgent(t, Config{Prefix: dir, Interval: 10 * time.Second})
	if m, _ := os.Stat(dir); m.Mode()&fs.ModeSticky == 0 || m.Mode().Perm() != 0o777 {
		t.Errorf("sticky folder changed to %v", m.Mode())
	}
	if logs.count("not Rogue's to change") != 1 {
		t.Errorf("no warning about the shared folder:\n%s", logs)
	}
}

// TestScoreFilesArePrivate: the anomaly scores under <prefix>/anomaly follow
// the key timings they are computed from, so they are 0600 whatever the
// umask, in a folder of 0700, and files left readable by an older version
// are made private at the next start.
func TestScoreFilesArePrivate(t *testing.T) {
	withUmask(t, 0)
	prefix := filepath.Join(t.TempDir(), "db")
	a, _ := newTestAgent(t, Config{Prefix: prefix, Interval: 10 * time.Second})
	a.warmUp(context.Background()) // nothing stored yet: creates the score files
	dir := filepath.Join(prefix, ScoreDir)
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("%s %v, want -rwx------", dir, m)
	}
	for _, m := range metric.All {
		if got := mode(t, ScorePath(prefix, m.Name)); got != 0o600 {
			t.Errorf("new %s %v, want -rw-------", ScorePath(prefix, m.Name), got)
		}
	}
	a.Close()
	for _, m := range metric.All {
		os.Chmod(ScorePath(prefix, m.Name), 0o644)
	}
	newTestAgent(t, Config{Prefix: prefix, Interval: 10 * time.Second})
	for _, m := range metric.All {
		if got := mode(t, ScorePath(prefix, m.Name)); got != 0o600 {
			t.Errorf("after a restart %s %v, want -rw-------", ScorePath(prefix, m.Name), got)
		}
	}
}
