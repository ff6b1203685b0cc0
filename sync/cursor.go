package sync

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Target is a destination that keeps its own cursor per metric.
type Target int

// Targets.
const (
	// Grok is the Carbon socket of a Grok (or Graphite) server; its cursor
	// file is <prefix>/<Name>.pos.
	Grok Target = iota
	// CSV is the appending CSV export; its cursor file is
	// <prefix>/<Name>-csv.pos.
	CSV
)

// ErrCorruptCursor is returned by ReadCursor when a cursor file holds
// something other than a Unix time. Callers report it and deliver from the
// start of the RRD's retention: resending is harmless, skipping is not.
var ErrCorruptCursor = errors.New("sync: corrupt cursor file")

// Cursor is the time of the last row delivered for one metric. The zero
// Cursor means nothing is known to be delivered: delivery starts at the
// oldest row the RRD still holds.
type Cursor struct {
	unix int64
}

// CursorAt returns the cursor for a row time (whole seconds).
func CursorAt(t time.Time) Cursor {
	if t.Unix() <= 0 {
		return Cursor{}
	}
	return Cursor{unix: t.Unix()}
}

// IsZero reports whether c is the zero cursor (start of retention).
func (c Cursor) IsZero() bool { return c.unix == 0 }

// Time returns the cursor's time; the zero time for the zero cursor.
func (c Cursor) Time() time.Time {
	if c.unix == 0 {
		return time.Time{}
	}
	return time.Unix(c.unix, 0)
}

// Unix returns the cursor as Unix seconds; 0 for the zero cursor.
func (c Cursor) Unix() int64 { return c.unix }

// String returns the cursor for logs: its UTC time and Unix seconds, or
// "start of retention".
func (c Cursor) String() string {
	if c.IsZero() {
		return "start of retention"
	}
	return fmt.Sprintf("%s (%d)", time.Unix(c.unix, 0).UTC().Format(time.RFC3339), c.unix)
}

// CursorPath returns the file that holds the cursor of metric name for
// target t, as numenta-rogue named it.
func CursorPath(prefix, name string, t Target) string {
	if t == CSV {
		return filepath.Join(prefix, name+"-csv.pos")
	}
	return filepath.Join(prefix, name+".pos")
}

// ReadCursor reads a cursor file. A missing or empty file, and the text
// "None" that numenta-rogue wrote when it had found nothing to forward, are
// the zero cursor. Anything that is not a Unix time returns the zero cursor
// and an error wrapping ErrCorruptCursor.
func ReadCursor(path string) (Cursor, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Cursor{}, nil
	}
	if err != nil {
		return Cursor{}, fmt.Errorf("sync: read cursor: %w", err)
	}
	c, err := parseCursor(string(b))
	if err != nil {
		return Cursor{}, fmt.Errorf("%w %s: %v", ErrCorruptCursor, path, err)
	}
	return c, nil
}

// parseCursor parses a cursor file's contents.
func parseCursor(s string) (Cursor, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "None" {
		return Cursor{}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return cursorFromUnix(n)
	}
	// rrdtool prints whole seconds, but be lenient with "1420070400.0".
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return Cursor{}, fmt.Errorf("%q is not a Unix time", s)
	}
	return cursorFromUnix(int64(f))
}

// maxCursor is far beyond any RRD timestamp (year 10000) but keeps time
// arithmetic away from overflow.
const maxCursor = 253402300800

func cursorFromUnix(n int64) (Cursor, error) {
	switch {
	case n < 0 || n > maxCursor:
		return Cursor{}, fmt.Errorf("%d is not a plausible Unix time", n)
	case n == 0:
		return Cursor{}, nil
	}
	return Cursor{unix: n}, nil
}

// WriteCursor stores c atomically in the format numenta-rogue used: the Unix
// time as decimal digits without a newline. The zero cursor removes the file.
func WriteCursor(path string, c Cursor) error {
	if c.IsZero() {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sync: remove cursor: %w", err)
		}
		return nil
	}
	if err := writeFileAtomic(path, strconv.AppendInt(nil, c.unix, 10), 0o600); err != nil {
		return fmt.Errorf("sync: write cursor %s: %w", path, err)
	}
	return nil
}
