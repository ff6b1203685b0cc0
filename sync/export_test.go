package sync

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// oldCSV renders rows as numenta-rogue's rogue-export wrote them: Python's
// csv.writer (CRLF) of (name, float, timestamp).
func oldCSV(name string, stored map[int64]float64, times []int64) string {
	var b strings.Builder
	for _, ts := range times {
		v, ok := stored[ts]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "%s,%s,%d\r\n", name, appendPyRepr(nil, v), ts)
	}
	return b.String()
}

func readFile(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExportAppend_RepeatedRunsOnlyAppend(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "CPUPercent", 60, 1_764_000_000, 100)
	r.add(t, 12.5, 0.1, math.NaN(), 1e-5, 100)
	csvPath := filepath.Join(prefix, "CPUPercent.csv")

	n, err := ExportAppend(context.Background(), prefix, []string{"CPUPercent", "KeySpeed"})
	if err != nil || n != 4 {
		t.Fatalf("ExportAppend = %d, %v; want 4", n, err)
	}
	first := fmt.Sprintf("CPUPercent,12.5,%d\r\nCPUPercent,0.1,%d\r\nCPUPercent,1e-05,%d\r\nCPUPercent,100.0,%d\r\n",
		r.all[0], r.all[1], r.all[3], r.all[4])
	if got := readFile(t, csvPath); got != first {
		t.Fatalf("CSV:\n%q\nwant\n%q", got, first)
	}
	if p := readPos(t, prefix, "CPUPercent", CSV); p != strconv.FormatInt(r.last(), 10) {
		t.Fatalf("CPUPercent-csv.pos = %q", p)
	}
	if _, err := os.Stat(filepath.Join(prefix, "KeySpeed.csv")); !os.IsNotExist(err) {
		t.Fatalf("a CSV was made for a metric without an RRD: %v", err)
	}

	// Again, nothing new: unchanged.
	if n, err := ExportAppend(context.Background(), prefix, []string{"CPUPercent"}); err != nil || n != 0 {
		t.Fatalf("second run = %d, %v", n, err)
	}
	if got := readFile(t, csvPath); got != first {
		t.Fatalf("second run changed the CSV")
	}

	// New rows are appended after the old ones.
	r.add(t, 7, 8)
	if n, err := ExportAppend(context.Background(), prefix, []string{"CPUPercent"}); err != nil || n != 2 {
		t.Fatalf("third run = %d, %v", n, err)
	}
	want := first + fmt.Sprintf("CPUPercent,7.0,%d\r\nCPUPercent,8.0,%d\r\n", r.all[5], r.all[6])
	if got := readFile(t, csvPath); got != want {
		t.Fatalf("CSV after third run:\n%q\nwant\n%q", got, want)
	}
	// The Grok cursor is separate.
	if p := readPos(t, prefix, "CPUPercent", Grok); p != "(none)" {
		t.Fatalf("export moved the Grok cursor: %s", p)
	}
}

func TestExportAppend_HonoursOldCursorAndFile(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "KeyCount", 60, 1_764_000_000, 100)
	r.add(t, wave(20, 0)...)
	stored := r.stored(t)
	old := oldCSV("KeyCount", stored, r.all[:10])
	os.WriteFile(filepath.Join(prefix, "KeyCount.csv"), []byte(old), 0o644)
	os.WriteFile(CursorPath(prefix, "KeyCount", CSV), []byte(strconv.FormatInt(r.all[9], 10)), 0o644)
	if _, err := ExportAppend(context.Background(), prefix, []string{"KeyCount"}); err != nil {
		t.Fatal(err)
	}
	want := old + oldCSV("KeyCount", stored, r.all[10:])
	if got := readFile(t, filepath.Join(prefix, "KeyCount.csv")); got != want {
		t.Fatalf("CSV:\n%s\nwant\n%s", got, want)
	}
}

// TestExportAppend_CrashBetweenRowsAndCursor: the rows were appended but the
// cursor not stored; the next run must not repeat them.
func TestExportAppend_CrashBetweenRowsAndCursor(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "KeyCount", 60, 1_764_000_000, 100)
	r.add(t, 1, 2, 3)
	if _, err := ExportAppend(context.Background(), prefix, nil); err != nil {
		t.Fatal(err)
	}
	os.Remove(CursorPath(prefix, "KeyCount", CSV)) // as if the cursor write never happened
	csvPath := filepath.Join(prefix, "KeyCount.csv")
	before := readFile(t, csvPath)
	var log bytes.Buffer
	if n, err := exportAppend(context.Background(), prefix, nil, testLogger(&log)); err != nil || n != 0 {
		t.Fatalf("run after the crash = %d, %v; want 0 (rows are in the CSV)", n, err)
	}
	if readFile(t, csvPath) != before {
		t.Fatal("rows were repeated")
	}
	if p := readPos(t, prefix, "KeyCount", CSV); p != strconv.FormatInt(r.last(), 10) {
		t.Fatalf("cursor not restored: %s", p)
	}
}

// TestExportAppend_TornLastLine: a crash mid-write left half a row; it is
// cut and the row written again.
func TestExportAppend_TornLastLine(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "KeyCount", 60, 1_764_000_000, 100)
	r.add(t, 1, 2, 3)
	csvPath := filepath.Join(prefix, "KeyCount.csv")
	good := fmt.Sprintf("KeyCount,1.0,%d\r\n", r.all[0])
	os.WriteFile(csvPath, []byte(good+"KeyCount,2."), 0o644)
	os.WriteFile(CursorPath(prefix, "KeyCount", CSV), []byte(strconv.FormatInt(r.all[0], 10)), 0o644)
	if n, err := ExportAppend(context.Background(), prefix, nil); err != nil || n != 2 {
		t.Fatalf("ExportAppend = %d, %v", n, err)
	}
	want := good + fmt.Sprintf("KeyCount,2.0,%d\r\nKeyCount,3.0,%d\r\n", r.all[1], r.all[2])
	if got := readFile(t, csvPath); got != want {
		t.Fatalf("CSV %q, want %q", got, want)
	}
}

func TestExportAppend_CorruptCursor(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "KeyCount", 60, 1_764_000_000, 100)
	r.add(t, 1, 2, 3)
	os.WriteFile(CursorPath(prefix, "KeyCount", CSV), []byte("not a time"), 0o644)
	var log bytes.Buffer
	if n, err := exportAppend(context.Background(), prefix, nil, testLogger(&log)); err != nil || n != 3 {
		t.Fatalf("ExportAppend = %d, %v; want all 3 rows", n, err)
	}
	if !strings.Contains(log.String(), "corrupt cursor") {
		t.Fatalf("not reported: %s", log.String())
	}
}

func TestExportFolder_OpensInEncodingCSV(t *testing.T) {
	prefix := t.TempDir()
	out := filepath.Join(t.TempDir(), "export")
	end := int64(1_764_000_000)
	rrds := backlog(t, prefix, testNames, 60, end, 600)
	since := time.Unix(end-499*60, 0)
	until := time.Unix(end, 0)
	var calls [][2]int
	sum, err := ExportFolder(context.Background(), prefix, out, since, until, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Files) != len(testNames) || len(sum.Missing) != len(allMetricNames())-len(testNames) {
		t.Fatalf("summary %+v", sum)
	}
	if last := calls[len(calls)-1]; last[0] != last[1] || last[1] != len(testNames)+1 {
		t.Fatalf("progress calls %v", calls)
	}
	union := map[int64]bool{}
	points := 0
	for _, name := range testNames {
		recs := readCSV(t, filepath.Join(out, name+".csv"))
		if strings.Join(recs[0], ",") != "timestamp,iso8601,"+name {
			t.Fatalf("%s header %v", name, recs[0])
		}
		stored := rrds[name].stored(t)
		want := 0
		for ts := range stored {
			if ts >= since.Unix() && ts <= until.Unix() {
				want++
				union[ts] = true
			}
		}
		if len(recs)-1 != want {
			t.Fatalf("%s: %d rows, want %d", name, len(recs)-1, want)
		}
		for _, rec := range recs[1:] {
			ts, _ := strconv.ParseInt(rec[0], 10, 64)
			iso, err := time.Parse(time.RFC3339, rec[1])
			if err != nil || iso.Unix() != ts {
				t.Fatalf("%s: iso8601 %q does not match %d", name, rec[1], ts)
			}
			v, err := strconv.ParseFloat(rec[2], 64)
			if err != nil || v != stored[ts] {
				t.Fatalf("%s at %d: %q, want %v", name, ts, rec[2], stored[ts])
			}
		}
		points += want
	}
	if sum.Points != points {
		t.Fatalf("summary points %d, want %d", sum.Points, points)
	}
	// Columns follow metric.All; unknown values (wave makes some) are
	// empty cells.
	var cols []string
	stored := map[string]map[int64]float64{}
	for _, name := range allMetricNames() {
		if r, ok := rrds[name]; ok {
			cols = append(cols, name)
			stored[name] = r.stored(t)
		}
	}
	wide := readCSV(t, filepath.Join(out, CombinedName))
	if strings.Join(wide[0], ",") != "timestamp,iso8601,"+strings.Join(cols, ",") {
		t.Fatalf("wide header %v", wide[0])
	}
	if len(wide)-1 != len(union) || sum.Rows != len(union) {
		t.Fatalf("wide file has %d rows (summary %d), want %d", len(wide)-1, sum.Rows, len(union))
	}
	empty := 0
	for _, rec := range wide[1:] {
		ts, _ := strconv.ParseInt(rec[0], 10, 64)
		for j, name := range cols {
			v, ok := stored[name][ts]
			cell := rec[2+j]
			if !ok && cell != "" || ok && cell != strconv.FormatFloat(v, 'f', -1, 64) {
				t.Fatalf("wide %s at %d: %q, want %v (known %v)", name, ts, cell, v, ok)
			}
			if cell == "" {
				empty++
			}
		}
	}
	if empty == 0 {
		t.Fatal("no empty cell: the test data lacks unknown values")
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
	// A second export replaces the files.
	if _, err := ExportFolder(context.Background(), prefix, out, since, until, nil); err != nil {
		t.Fatal(err)
	}
	if got := readCSV(t, filepath.Join(out, CombinedName)); len(got) != len(wide) {
		t.Fatalf("second export has %d rows, want %d", len(got), len(wide))
	}
}

func TestExportFolder_Refuses(t *testing.T) {
	prefix := t.TempDir()
	now := time.Now()
	if _, err := ExportFolder(context.Background(), prefix, prefix, now.Add(-time.Hour), now, nil); err == nil {
		t.Error("export into the RRD folder accepted")
	}
	if _, err := ExportFolder(context.Background(), prefix, t.TempDir(), now, now.Add(-time.Hour), nil); err == nil {
		t.Error("empty range accepted")
	}
	if _, err := ExportFolder(context.Background(), prefix, t.TempDir(), now.Add(-time.Hour), now, nil); !errors.Is(err, ErrNoRRDs) {
		t.Errorf("export of an empty prefix: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := t.TempDir()
	if _, err := ExportFolder(ctx, prefix, out, now.Add(-time.Hour), now, nil); err == nil {
		t.Error("cancelled export succeeded")
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Errorf("cancelled export left %d files", len(ents))
	}
}

func readCSV(t testing.TB, p string) [][]string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return recs
}

func TestExportAppend_WrongPrefix(t *testing.T) {
	_, err := ExportAppend(context.Background(), t.TempDir(), nil)
	if !errors.Is(err, ErrNoRRDs) {
		t.Fatalf("err = %v, want ErrNoRRDs", err)
	}
}
