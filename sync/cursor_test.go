package sync

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestParseCursor(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		corrupt bool
	}{
		{in: "1420070400", want: 1420070400},
		{in: "1420070400\n", want: 1420070400},
		{in: " 1420070400 ", want: 1420070400},
		{in: "1420070400.0", want: 1420070400},
		{in: "", want: 0},
		{in: "None", want: 0}, // numenta-rogue's "nothing forwarded yet"
		{in: "0", want: 0},
		{in: "garbage", corrupt: true},
		{in: "\x00\x00\x00\x00", corrupt: true},
		{in: "-5", corrupt: true},
		{in: "99999999999999", corrupt: true},
		{in: "1.5", corrupt: true},
		{in: "NaN", corrupt: true},
		{in: "1e300", corrupt: true},
	}
	for _, tt := range tests {
		c, err := parseCursor(tt.in)
		if tt.corrupt {
			if err == nil {
				t.Errorf("parseCursor(%q) = %v, want an error", tt.in, c)
			}
			continue
		}
		if err != nil || c.Unix() != tt.want {
			t.Errorf("parseCursor(%q) = %v, %v; want %d", tt.in, c.Unix(), err, tt.want)
		}
	}
}

func TestCursor_RoundTripInOldFormat(t *testing.T) {
	dir := t.TempDir()
	p := CursorPath(dir, "CPUPercent", Grok)
	if filepath.Base(p) != "CPUPercent.pos" {
		t.Fatalf("Grok cursor file %s", p)
	}
	if q := CursorPath(dir, "CPUPercent", CSV); filepath.Base(q) != "CPUPercent-csv.pos" {
		t.Fatalf("CSV cursor file %s", q)
	}
	c := CursorAt(time.Unix(1420070400, 0))
	if err := WriteCursor(p, c); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// numenta-rogue wrote str(timestamp): digits, no newline.
	if string(b) != "1420070400" {
		t.Fatalf("cursor file holds %q", b)
	}
	got, err := ReadCursor(p)
	if err != nil || got != c {
		t.Fatalf("ReadCursor = %v, %v; want %v", got, err, c)
	}
	if got.IsZero() || got.String() != "2015-01-01T00:00:00Z (1420070400)" {
		t.Fatalf("String() = %q", got.String())
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("folder holds %d files, want 1", len(ents))
	}
	// The zero cursor removes the file.
	if err := WriteCursor(p, Cursor{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("zero cursor left the file: %v", err)
	}
}

func TestReadCursor_MissingIsStartOfRetention(t *testing.T) {
	c, err := ReadCursor(filepath.Join(t.TempDir(), "KeyCount.pos"))
	if err != nil || !c.IsZero() || c.String() != "start of retention" {
		t.Fatalf("ReadCursor(missing) = %v, %v", c, err)
	}
}

func TestReadCursor_CorruptIsReported(t *testing.T) {
	p := filepath.Join(t.TempDir(), "KeyCount.pos")
	os.WriteFile(p, []byte("14200704\x00\x00"), 0o644)
	c, err := ReadCursor(p)
	if !errors.Is(err, ErrCorruptCursor) {
		t.Fatalf("err = %v, want ErrCorruptCursor", err)
	}
	if !c.IsZero() {
		t.Fatalf("corrupt cursor read as %v, want the zero cursor", c)
	}
}

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"1420070400", "None", "", "1e9", "-1", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			if !c.IsZero() {
				t.Fatalf("error with a non-zero cursor %v", c)
			}
			return
		}
		back, err := parseCursor(strconv.FormatInt(c.Unix(), 10))
		if err != nil || back != c {
			t.Fatalf("%q -> %v does not round-trip: %v %v", s, c, back, err)
		}
	})
}
