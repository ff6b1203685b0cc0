package detectcli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/anomaly"
	"github.com/rogue-metrics/rogue/rrd"
)

func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// want scores the values with a fresh detector, as the command should.
func want(ts []int64, vs []float64) []float64 {
	d := anomaly.New(anomaly.Config{})
	out := make([]float64, len(vs))
	for i := range vs {
		out[i] = d.Update(ts[i], vs[i])
	}
	return out
}

func TestCSV(t *testing.T) {
	var in strings.Builder
	in.WriteString("timestamp,value\n")
	var ts []int64
	var vs []float64
	start := time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)
	for i := range 600 {
		tm := start.Add(time.Duration(i) * 5 * time.Minute)
		v := float64(i%17) + 0.5
		if i == 500 {
			v = 400
		}
		if i%50 == 7 {
			fmt.Fprintf(&in, "%s,nan\n", tm.Format("2006-01-02 15:04:05"))
			v = math.NaN()
		} else {
			fmt.Fprintf(&in, "%s,%g\n", tm.Format("2006-01-02 15:04:05"), v)
		}
		ts = append(ts, tm.Unix())
		vs = append(vs, v)
	}
	code, out, errs := run(t, in.String(), "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "timestamp,value,anomaly_score" || len(lines) != 601 {
		t.Fatalf("header %q, %d lines", lines[0], len(lines))
	}
	exp := want(ts, vs)
	inLines := strings.Split(in.String(), "\n")
	for i, l := range lines[1:] {
		f := strings.Split(l, ",")
		if f[0]+","+f[1] != inLines[i+1] {
			t.Fatalf("row %d: %q does not echo the input %q", i, l, inLines[i+1])
		}
		s, err := strconv.ParseFloat(f[2], 64)
		if err != nil || s != exp[i] {
			t.Fatalf("row %d: score %q, want %v", i, f[2], exp[i])
		}
	}
	if s, _ := strconv.ParseFloat(strings.Split(lines[501], ",")[2], 64); s < anomaly.Threshold {
		t.Errorf("the spike scored %v", s)
	}
}

func TestUnixTimesAndExtraColumns(t *testing.T) {
	in := "value,timestamp,host\n1,1700000000.5,a\n2,1700000060,b\n"
	code, out, errs := run(t, in, "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "timestamp,value,anomaly_score\n1700000000.5,1,0\n1700000060,2,0\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestBadInput(t *testing.T) {
	for _, c := range []struct{ name, in, msg string }{
		{"empty", "", "empty"},
		{"no header", "2014-04-01 00:00:00,1\n", "line 1"},
		{"no value column", "timestamp,foo\n2014-04-01 00:00:00,1\n", `line 1: bad input: header "timestamp,foo" has no "value" column`},
		{"no timestamp column", "time,value\n2014-04-01 00:00:00,1\n", `has no "timestamp" column`},
		{"semicolons", "timestamp;value\n2014-04-01 00:00:00;1\n", `has no "timestamp" or "value" column (columns are separated by commas)`},
		{"bad time", "timestamp,value\n2014-04-01 00:00:00,1\nyesterday,2\n", "line 3: bad input: timestamp \"yesterday\""},
		{"bad date", "timestamp,value\n2014-13-01 00:00:00,1\n", "line 2"},
		{"bad value", "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,lots\n", "line 3: bad input: value \"lots\""},
		{"short row", "timestamp,value\n2014-04-01 00:00:00\n", "line 2"},
		{"bad quote", "timestamp,value\n2014-04-01 00:00:00,\"1\n", "bad input"},
		{"infinite time", "timestamp,value\ninf,1\n", "line 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := run(t, c.in, "-")
			if code != 1 || !strings.Contains(errs, c.msg) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errs, c.msg)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-h"}, 0, "Usage:"},
		{nil, 2, "want one FILE.csv"},
		{[]string{"a.csv", "b.csv"}, 2, "want one FILE.csv"},
		{[]string{"a.csv", "--stats"}, 2, "flags go before the file: rogue detect --stats a.csv"},
		{[]string{"a.csv", "-"}, 2, "want one FILE.csv"},
		{[]string{"--bogus"}, 2, "flag provided but not defined"},
		{[]string{"--rrd", "x.rrd", "y"}, 2, "no other argument"},
		{[]string{"--rrd", "x.rrd", "--prefix", "d"}, 2, "exclude"},
		{[]string{"CPUPercent"}, 2, "needs --prefix"},
		{[]string{"--prefix", "d", "a/b.csv"}, 2, "not a metric name"},
		{[]string{filepath.Join(os.TempDir(), "no-such-file.csv")}, 1, "no such file"},
		{[]string{"--rrd", filepath.Join(os.TempDir(), "no-such-file.rrd")}, 1, "no such file"},
	} {
		code, _, errs := run(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

func TestRRD(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "CPUPercent.rrd")
	start := time.Unix(1700000040, 0)
	err := rrd.Create(path, rrd.Definition{
		Step:  time.Minute,
		Start: start,
		DS:    []rrd.DS{{Name: "CPUPercent", Type: rrd.Gauge, Heartbeat: 2 * time.Minute, Min: 0, Max: math.NaN()}},
		RRA:   []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: 600}, {CF: rrd.Average, XFF: 0.5, Steps: 10, Rows: 100}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := rrd.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 500; i++ {
		if i >= 300 && i < 310 {
			continue // a gap: unknown rows
		}
		v := float64(i%13) + 20
		if i == 450 {
			v = 95
		}
		if err := f.Update(rrd.Sample{Time: start.Add(time.Duration(i) * time.Minute), Values: []float64{v}}); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()

	code, out, errs := run(t, "", "--rrd", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code2, out2, errs2 := run(t, "", "--prefix", dir, "CPUPercent")
	if code2 != 0 || out2 != out {
		t.Fatalf("--prefix: exit %d (%s), output differs from --rrd", code2, errs2)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 601 {
		t.Fatalf("%d lines, want the header and 600 rows", len(lines))
	}
	nan, last := 0, int64(0)
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		tm, _ := strconv.ParseInt(f[0], 10, 64)
		if tm != last+60 && last != 0 {
			t.Fatalf("row %q does not follow %d", l, last)
		}
		last = tm
		if f[1] == "nan" {
			nan++
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		s, _ := strconv.ParseFloat(f[2], 64)
		if v == 95 && s < anomaly.Threshold {
			t.Errorf("the spike scored %v", s)
		}
	}
	if last != start.Add(500*time.Minute).Unix() {
		t.Errorf("last row at %d, want the last update", last)
	}
	if nan < 100+10 {
		t.Errorf("%d unknown rows, want the 100 before the first update and the 10-minute gap", nan)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := Run(ctx, []string{"-"}, strings.NewReader("timestamp,value\n1,1\n"), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "canceled") {
		t.Errorf("exit %d, %q", code, errb.String())
	}
}

// FuzzCSV checks that no input makes the command panic, and that it either
// succeeds with one output row per input row (and at most one warning) or
// fails with a line number.
func FuzzCSV(f *testing.F) {
	f.Add("timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,nan\n")
	f.Add("timestamp,value\n1700000000.25,1e308\n1700000000,-1e308\n")
	f.Add("value,timestamp\n\"1\",\"2\"\n")
	f.Add("timestamp,value\n2014-04-01 00:00:00,\n")
	f.Fuzz(func(t *testing.T, in string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), []string{"-"}, strings.NewReader(in), &out, &errb)
		switch code {
		case 0:
			if e := errb.String(); e != "" && (!strings.HasPrefix(e, "rogue detect: warning: standard input line ") || strings.Count(e, "\n") != 1) {
				t.Fatalf("success with stderr %q", e)
			}
		case 1:
			if !strings.Contains(errb.String(), "bad input") {
				t.Fatalf("failure without a bad-input message: %q", errb.String())
			}
		default:
			t.Fatalf("exit %d", code)
		}
	})
}

func TestErrBadInput(t *testing.T) {
	var out bytes.Buffer
	w := bufioWriter(&out)
	_, err := detectCSV(context.Background(), "x", strings.NewReader("a,b\n"), w, io.Discard)
	if !errors.Is(err, ErrBadInput) {
		t.Errorf("err = %v, want ErrBadInput", err)
	}
}

func bufioWriter(b *bytes.Buffer) *bufio.Writer { return bufio.NewWriter(b) }

// TestStats checks that --stats reports the rows scored on standard error
// and leaves standard output as without it.
func TestStats(t *testing.T) {
	in := "timestamp,value\n1400000000,1\n1400000060,nan\n1400000120,3\n"
	_, plain, _ := run(t, in, "-")
	code, out, errs := run(t, in, "--stats", "-")
	if code != 0 || out != plain {
		t.Fatalf("exit %d, stdout %q, want %q", code, out, plain)
	}
	var rows int
	var secs, rate float64
	if _, err := fmt.Sscanf(errs, "rogue detect: %d rows in %f s: %f rows/s\n", &rows, &secs, &rate); err != nil {
		t.Fatalf("stderr %q: %v", errs, err)
	}
	if rows != 3 || secs <= 0 || rate <= 0 {
		t.Errorf("stderr %q: want 3 rows, a positive time and rate", errs)
	}
}

// BenchmarkDetectCSV measures rogue detect's own cost per row (CSV parsing,
// scoring, output) on NAB-style rows, without the process start.
func BenchmarkDetectCSV(b *testing.B) {
	var in strings.Builder
	in.WriteString("timestamp,value\n")
	start := time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)
	const rows = 20000
	for i := range rows {
		fmt.Fprintf(&in, "%s,%.3f\n", start.Add(time.Duration(i)*5*time.Minute).Format("2006-01-02 15:04:05"), 50+10*math.Sin(float64(i)/40)+float64(i%7))
	}
	src := in.String()
	b.ReportAllocs()
	for b.Loop() {
		w := bufio.NewWriter(io.Discard)
		if _, err := detectCSV(context.Background(), "bench", strings.NewReader(src), w, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestMissingRRDMessages: a name without an RRD file says the path once
// and, when it is no metric, lists the metrics; a non-RRD --rrd says
// "rrd:" once.
func TestMissingRRDMessages(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(csvPath, []byte(strings.Repeat("2014-04-01 00:00:00,1\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  []string
		once string
	}{
		{[]string{"--prefix", dir, "Bogus"}, 2, []string{"Bogus is neither a file nor a metric", "CPUPercent, MemoryPercent", "KeyCount"}, "Bogus"},
		{[]string{"--prefix", dir, "CPUPercent"}, 1, []string{"no RRD file for CPUPercent in " + dir}, dir},
		{[]string{"--rrd", csvPath}, 1, []string{"rrd: open " + csvPath + ": not a valid RRD file"}, "rrd:"},
	} {
		code, _, errs := run(t, "", c.args...)
		for _, m := range c.msg {
			if code != c.code || !strings.Contains(errs, m) {
				t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, m)
			}
		}
		if n := strings.Count(strings.ReplaceAll(errs, csvPath, ""), c.once); n != 1 {
			t.Errorf("%q: stderr %q says %q %d times, want once", c.args, errs, c.once, n)
		}
	}
}

// TestTimestampsOutOfOrder: the first timestamp that goes back or repeats
// gets one warning with its line; the scores stay those of a fresh
// detector fed every row.
func TestTimestampsOutOfOrder(t *testing.T) {
	tests := []struct {
		name string
		ts   []int64
		warn string
	}{
		{"in order", []int64{60, 120, 180, 240, 300}, ""},
		{"step back", []int64{60, 120, 180, 90, 240, 100}, "line 5: timestamp 90 goes back"},
		{"repeat", []int64{60, 120, 120, 180, 180}, "line 4: timestamp 120 repeats"},
	}
	for _, tt := range tests {
		in := "timestamp,value\n"
		vs := make([]float64, len(tt.ts))
		for i, ts := range tt.ts {
			vs[i] = float64(i%3) + 1
			in += fmt.Sprintf("%d,%g\n", ts, vs[i])
		}
		code, out, errs := run(t, in, "-")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.name, code, errs)
		}
		if tt.warn == "" && errs != "" || tt.warn != "" && (!strings.Contains(errs, tt.warn) || strings.Count(errs, "\n") != 1) {
			t.Errorf("%s: stderr %q; want one line with %q", tt.name, errs, tt.warn)
		}
		exp := want(tt.ts, vs)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(tt.ts)+1 {
			t.Fatalf("%s: %d lines", tt.name, len(lines))
		}
		for i, l := range lines[1:] {
			if s, err := strconv.ParseFloat(strings.Split(l, ",")[2], 64); err != nil || s != exp[i] {
				t.Errorf("%s: row %d %q, want score %v", tt.name, i, l, exp[i])
			}
		}
	}
}
