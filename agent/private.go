package agent

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rogue-metrics/rogue/metric"
)

// Typing rhythm is personal: key timings tell typists apart and leak part
// of what was typed. So the data folder is the owner's alone (0700) and so
// are the files Rogue keeps in it (0600): RRD files, cursors, CSV exports.
const (
	privateDir  fs.FileMode = 0o700
	privateFile fs.FileMode = 0o600
)

// MakePrivate creates dir (and missing parents) readable by its owner only
// and takes group and other permissions away from an existing dir and from
// the files Rogue keeps there (*.rrd, *.pos, *.csv, files set aside as
// *.bad-<time>, the lock), logging what it changed; the umask plays no part.
// A folder of another user or with the sticky bit (/tmp) is left alone with
// a warning, as is the home folder itself.
func MakePrivate(dir string, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(dir, privateDir); err != nil {
		return fmt.Errorf("agent: create %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	if mode := fi.Mode(); mode.Perm()&0o077 != 0 {
		home, _ := os.UserHomeDir()
		st, ok := fi.Sys().(*syscall.Stat_t)
		switch {
		case mode&fs.ModeSticky != 0 || !ok || int(st.Uid) != os.Getuid() || (home != "" && sameDir(dir, home)):
			log.Warn("data folder is readable by other users and is not Rogue's to change; choose a private folder", "folder", dir, "mode", mode.Perm().String())
		default:
			if err := os.Chmod(dir, mode.Perm()&privateDir); err != nil {
				return fmt.Errorf("agent: make %s private: %w", dir, err)
			}
			log.Info("data folder was readable by other users; made it private", "folder", dir, "was", mode.Perm().String(), "now", (mode.Perm() & privateDir).String())
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	changed := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !rogueFile(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil || info.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(filepath.Join(dir, e.Name()), info.Mode().Perm()&privateFile); err != nil {
			log.Warn("could not make a file private", "file", filepath.Join(dir, e.Name()), "err", err)
			continue
		}
		changed++
	}
	if changed > 0 {
		log.Info("files were readable by other users; made them private", "folder", dir, "files", changed)
	}
	return nil
}

// rogueFile reports whether name is one of the files Rogue keeps in a data
// folder: a metric's <Name>.rrd, <Name>.pos, <Name>-csv.pos, <Name>.csv, a
// file set aside as <Name>.rrd.bad-<time>, a hidden temporary file of one
// of these, or the lock.
func rogueFile(name string) bool {
	if name == ".rogue.lock" {
		return true
	}
	if t, _, ok := strings.Cut(name, ".tmp-"); ok && strings.HasPrefix(t, ".") {
		name = t[1:]
	}
	if base, _, ok := strings.Cut(name, ".rrd.bad-"); ok {
		name = base + ".rrd"
	}
	for _, m := range metric.All {
		for _, suffix := range []string{".rrd", ".pos", "-csv.pos", ".csv"} {
			if name == m.Name+suffix {
				return true
			}
		}
	}
	return false
}

func sameDir(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// dirExists reports whether path is an existing folder.
func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
