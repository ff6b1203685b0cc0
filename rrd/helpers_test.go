package rrd

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needRRDTool returns the path of rrdtool, skipping the test when it is
// missing (failing instead under CI=true).
func needRRDTool(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("rrdtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("rrdtool is required under CI: %v", err)
		}
		t.Skipf("rrdtool not installed: %v", err)
	}
	return p
}

// rrdtool runs rrdtool with args and returns its standard output.
func rrdtool(t testing.TB, args ...string) string {
	t.Helper()
	out, err := rrdtoolErr(args...)
	if err != nil {
		t.Fatalf("rrdtool %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func rrdtoolErr(args ...string) (string, error) {
	cmd := exec.Command("rrdtool", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		return stdout.String(), fmt.Errorf("stderr: %s", s)
	}
	return stdout.String(), nil
}

// fetched is rrdtool fetch's output, parsed.
type fetched struct {
	ds    []string
	times []int64
	rows  [][]float64
}

func parseFloatC(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "nan", "-nan":
		return math.NaN(), nil
	case "inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

func parseFetch(out string) (*fetched, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 1 {
		return nil, fmt.Errorf("empty fetch output")
	}
	f := &fetched{ds: strings.Fields(lines[0])}
	for _, ln := range lines[1:] {
		if strings.TrimSpace(ln) == "" {
			continue
		}
		ts, rest, ok := strings.Cut(ln, ":")
		if !ok {
			return nil, fmt.Errorf("bad fetch line %q", ln)
		}
		t, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad fetch line %q: %v", ln, err)
		}
		var row []float64
		for _, fs := range strings.Fields(rest) {
			v, err := parseFloatC(fs)
			if err != nil {
				return nil, fmt.Errorf("bad fetch value %q: %v", fs, err)
			}
			row = append(row, v)
		}
		f.times = append(f.times, t)
		f.rows = append(f.rows, row)
	}
	return f, nil
}

// sameFloat compares with a relative tolerance; NaN equals NaN.
func sameFloat(a, b, rel float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if a == b {
		return true
	}
	d := math.Abs(a - b)
	return d <= rel*math.Max(math.Abs(a), math.Abs(b))
}

// compareFetch checks Rogue's Fetch against rrdtool fetch of the same file
// and window.
func compareFetch(t testing.TB, path string, f *File, cf CF, start, end int64, res int64) {
	t.Helper()
	args := []string{"fetch", path, string(cf), "-s", strconv.FormatInt(start, 10), "-e", strconv.FormatInt(end, 10)}
	if res > 0 {
		args = append(args, "-r", strconv.FormatInt(res, 10))
	}
	out, rerr := rrdtoolErr(args...)
	got, gerr := f.Fetch(cf, time.Unix(start, 0), time.Unix(end, 0), time.Duration(res)*time.Second)
	if rerr != nil || gerr != nil {
		if (rerr == nil) != (gerr == nil) {
			t.Fatalf("fetch %s %d..%d r%d: rrdtool err %v, rogue err %v", cf, start, end, res, rerr, gerr)
		}
		return
	}
	want, err := parseFetch(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(want.ds, " ") != strings.Join(got.DS, " ") {
		t.Fatalf("fetch DS: rrdtool %v, rogue %v", want.ds, got.DS)
	}
	if len(want.rows) != len(got.Rows) {
		t.Fatalf("fetch %s %d..%d r%d: rrdtool %d rows, rogue %d rows (start %v step %v)", cf, start, end, res, len(want.rows), len(got.Rows), got.Start.Unix(), got.Step)
	}
	for i := range want.rows {
		if ts := got.Time(i).Unix(); ts != want.times[i] {
			t.Fatalf("fetch %s %d..%d r%d row %d: rrdtool time %d, rogue %d", cf, start, end, res, i, want.times[i], ts)
		}
		for j := range want.rows[i] {
			if !sameFloat(want.rows[i][j], got.Rows[i][j], 1e-9) {
				t.Fatalf("fetch %s %d..%d r%d row %d (%d) ds %d: rrdtool %v, rogue %v", cf, start, end, res, i, want.times[i], j, want.rows[i][j], got.Rows[i][j])
			}
		}
	}
}

// copyFile copies src to dst.
func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// compareInfo checks Info against rrdtool info of the same file.
func compareInfo(t testing.TB, path string, f *File) {
	t.Helper()
	in, err := f.Info()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"rrd_version": `"` + in.Version + `"`,
		"step":        strconv.FormatInt(int64(in.Step/time.Second), 10),
		"last_update": strconv.FormatInt(in.LastUpdate.Unix(), 10),
		"header_size": strconv.FormatInt(in.HeaderSize, 10),
	}
	// rrdtool info prints with the C library's printf (unlike dump).
	num := func(v float64) string {
		switch {
		case math.IsNaN(v):
			return "NaN"
		case math.IsInf(v, 0):
			return map[bool]string{true: "inf", false: "-inf"}[v > 0]
		}
		return strconv.FormatFloat(v, 'e', 10, 64)
	}
	for i, d := range in.DS {
		k := "ds[" + d.Name + "]."
		got[k+"index"] = strconv.Itoa(i)
		got[k+"type"] = `"` + string(d.Type) + `"`
		if d.Type == Compute {
			got[k+"cdef"] = `"` + d.CDEF + `"`
		} else {
			got[k+"minimal_heartbeat"] = strconv.FormatInt(int64(d.Heartbeat/time.Second), 10)
			got[k+"min"] = num(d.Min)
			got[k+"max"] = num(d.Max)
		}
		got[k+"last_ds"] = `"` + d.LastDS + `"`
		got[k+"value"] = num(d.Value)
		got[k+"unknown_sec"] = strconv.Itoa(d.UnknownSec)
	}
	for i, r := range in.RRA {
		k := fmt.Sprintf("rra[%d].", i)
		got[k+"cf"] = `"` + string(r.CF) + `"`
		got[k+"rows"] = strconv.Itoa(r.Rows)
		got[k+"cur_row"] = strconv.Itoa(r.CurRow)
		got[k+"pdp_per_row"] = strconv.Itoa(r.Steps)
		switch r.CF {
		case HWPredict, MHWPredict:
			got[k+"alpha"] = num(r.Alpha)
			got[k+"beta"] = num(r.Beta)
		case Seasonal, DevSeasonal:
			got[k+"gamma"] = num(r.Gamma)
			if in.Version >= "0004" {
				got[k+"smoothing_window"] = num(r.SmoothingWindow)
			}
		case Failures:
			got[k+"delta_pos"] = num(r.DeltaPos)
			got[k+"delta_neg"] = num(r.DeltaNeg)
			got[k+"failure_threshold"] = strconv.Itoa(r.Threshold)
			got[k+"window_length"] = strconv.Itoa(r.Window)
		case DevPredict:
		default:
			got[k+"xff"] = num(r.XFF)
		}
		for j, c := range r.CDP {
			kk := fmt.Sprintf("%scdp_prep[%d].", k, j)
			switch r.CF {
			case HWPredict, MHWPredict:
				got[kk+"intercept"] = num(c.Intercept)
				got[kk+"slope"] = num(c.Slope)
				got[kk+"NaN_count"] = strconv.Itoa(c.NaNCount)
			case Seasonal:
				got[kk+"seasonal"] = num(c.Seasonal)
			case DevSeasonal:
				got[kk+"deviation"] = num(c.Deviation)
			case Failures:
				got[kk+"history"] = `"` + c.History + `"`
			case DevPredict:
			default:
				got[kk+"value"] = num(c.Value)
				got[kk+"unknown_datapoints"] = strconv.Itoa(c.UnknownDatapoints)
			}
		}
	}
	out := rrdtool(t, "info", path)
	seen := 0
	for _, ln := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, ok := strings.Cut(ln, " = ")
		if !ok || k == "filename" {
			continue
		}
		seen++
		if g, ok := got[k]; !ok {
			t.Errorf("Info lacks rrdtool info's %s = %s", k, v)
		} else if g != v {
			t.Errorf("Info %s = %s, rrdtool info says %s", k, g, v)
		}
	}
	if seen != len(got) {
		t.Errorf("rrdtool info printed %d fields, Info has %d", seen, len(got))
	}
}
