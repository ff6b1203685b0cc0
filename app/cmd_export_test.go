package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExportCommand_AppendThenFolder(t *testing.T) {
	prefix := t.TempDir()
	end := time.Now().Unix()/60*60 - 120
	makeSyncRRD(t, prefix, "CPUPercent", end, 30)
	makeSyncRRD(t, prefix, "MemoryPercent", end, 20)

	code, out, errs := runCmd(t, "export", "--prefix", prefix)
	if code != 0 || !strings.Contains(out, "Appended 50 rows") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
	b, _ := os.ReadFile(filepath.Join(prefix, "CPUPercent.csv"))
	if !strings.HasPrefix(string(b), "CPUPercent,1.0,") || strings.Count(string(b), "\r\n") != 30 {
		t.Fatalf("CPUPercent.csv starts %q", string(b)[:min(len(b), 40)])
	}
	if code, out, _ := runCmd(t, "export", "--prefix", prefix); code != 0 || !strings.Contains(out, "Appended 0 rows") {
		t.Fatalf("second run: %d %q", code, out)
	}

	dir := filepath.Join(t.TempDir(), "out")
	code, out, errs = runCmd(t, "export", "--prefix", prefix, "--out", dir, "--since", time.Unix(end-9*60, 0).UTC().Format(time.RFC3339), "--until", "2099-01-01")
	if code != 0 || !strings.Contains(out, "2 metric files (20 values)") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
	f, err := os.Open(filepath.Join(dir, "all-metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 11 || strings.Join(recs[0], ",") != "timestamp,iso8601,CPUPercent,MemoryPercent" {
		t.Fatalf("all-metrics.csv: %v, %d records, header %v", err, len(recs), recs[0])
	}
}

func TestExportCommand_Usage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"export", "-h"}, 0, "rogue export --out DIR"},
		{[]string{"export", "--since", "2026-01-01"}, 2, "need --out"},
		{[]string{"export", "--out", "/tmp/x", "--since", "yesterday"}, 2, "is not a time"},
		{[]string{"export", "--out", "/tmp/x", "--since", "2026-02-01", "--until", "2026-01-01"}, 2, "must be before"},
		{[]string{"export", "--out", "/tmp/x", "--since", "2026-12-02", "--until", "2026-12-01"}, 2, "--since 2026-12-02 must be before --until 2026-12-01; the --until day is included\n"},
		{[]string{"export", "--out", "/tmp/x", "--since", "2026-12-01T10:00:00Z", "--until", "2026-12-01T09:00:00Z"}, 2, "--since 2026-12-01T10:00:00Z must be before --until 2026-12-01T09:00:00Z\n"},
		{[]string{"export", "--out", "/tmp/x", "--since", "2099-01-01"}, 2, "--since 2099-01-01 must be before --until (now)\n"},
		{[]string{"export", "--metrics", "Bogus", "--prefix", "/x"}, 2, "unknown metric"},
		{[]string{"export", "stray"}, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		code, _, errs := runCmd(t, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errs, tt.code, tt.msg)
		}
	}
}

func TestParseExportTime(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	tests := []struct {
		in       string
		endOfDay bool
		want     time.Time
		bad      bool
	}{
		{in: "1764000000", want: time.Unix(1764000000, 0)},
		{in: "2026-11-24T08:00:00Z", want: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)},
		{in: "2026-11-24T08:00:00+02:00", want: time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)},
		{in: "2026-11-24T08:00:00", want: time.Date(2026, 11, 24, 8, 0, 0, 0, loc)},
		{in: "2026-11-24", want: time.Date(2026, 11, 24, 0, 0, 0, 0, loc)},
		{in: "2026-11-24", endOfDay: true, want: time.Date(2026, 11, 25, 0, 0, 0, 0, loc)},
		{in: "24/11/2026", bad: true},
		{in: "-5", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		got, err := parseExportTime(tt.in, tt.endOfDay, loc)
		if tt.bad != (err != nil) || !tt.bad && !got.Equal(tt.want) {
			t.Errorf("parseExportTime(%q, %v) = %v, %v; want %v", tt.in, tt.endOfDay, got, err, tt.want)
		}
	}
}

// TestExportCommand_FolderSkipsBadFiles: a garbage RRD file used to stop
// the whole export; now the good files are exported and the bad one is
// listed, exit 1.
func TestExportCommand_FolderSkipsBadFiles(t *testing.T) {
	prefix := t.TempDir()
	end := time.Now().Unix()/60*60 - 120
	makeSyncRRD(t, prefix, "CPUPercent", end, 30)
	makeSyncRRD(t, prefix, "MemoryPercent", end, 20)
	os.WriteFile(filepath.Join(prefix, "KeyHold.rrd"), []byte("garbage, not an RRD"), 0o600)
	dir := filepath.Join(t.TempDir(), "out")
	code, out, errs := runCmd(t, "export", "--prefix", prefix, "--out", dir, "--since", time.Unix(end-9*60, 0).UTC().Format(time.RFC3339), "--until", "2099-01-01")
	if code != 1 || !strings.Contains(out, "2 metric files (20 values)") || !strings.Contains(errs, "KeyHold:") || !strings.Contains(errs, "not a valid RRD") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
	for _, n := range []string{"CPUPercent.csv", "MemoryPercent.csv", "all-metrics.csv"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s not exported: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "KeyHold.csv")); err == nil {
		t.Error("KeyHold.csv exported from a garbage file")
	}
}
