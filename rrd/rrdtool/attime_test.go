package rrdtool

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rrdRefNow is Tuesday 2023-11-14 22:13:20 UTC.
var rrdRefNow = time.Unix(1700000000, 0)

func rrdMustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s not available: %v", name, err)
	}
	return loc
}

func TestParseTimeSpec_Literals(t *testing.T) {
	utc := time.UTC
	date := func(y int, m time.Month, d, hh, mm, ss int) int64 {
		return time.Date(y, m, d, hh, mm, ss, 0, utc).Unix()
	}
	tests := []struct {
		spec string
		want int64
	}{
		{"now", 1700000000},
		{"N", 1700000000},
		{"n", 1700000000},
		{"NOW", 1700000000},
		{"1700000000", 1700000000},
		{"1500000000", 1500000000},
		{"-1h", 1700000000 - 3600},
		{"now-1d", 1700000000 - 86400},
		{"now - 1 day", 1700000000 - 86400},
		{"-1d2h", 1700000000 - 86400 - 7200},
		{"-1 hours", 1700000000 - 3600},
		{"-90sec", 1700000000 - 90},
		{"-10", 1700000000 - 10},
		{"+10seconds", 1700000000 + 10},
		{"-6m", 1700000000 - 360},                    // m after 6 or more: minutes
		{"-5m", date(2023, 6, 14, 22, 13, 20)},       // below 6: months
		{"-1y6m", date(2022, 5, 14, 22, 13, 20)},     // after years: months
		{"-3h20m", 1700000000 - 3*3600 - 20*60},      // after hours: minutes
		{"+5s2m", 1700000000 + 5 + 120},              // after seconds: minutes
		{"-2w", 1700000000 - 14*86400},               // weeks
		{"-1mon", date(2023, 10, 14, 22, 13, 20)},    // months
		{"-1month", date(2023, 10, 14, 22, 13, 20)},  // months
		{"-2 years", date(2021, 11, 14, 22, 13, 20)}, // years
		{"now-1d+1h", 1700000000 - 86400 + 3600},     // mixed signs
		{"midnight", date(2023, 11, 14, 0, 0, 0)},    // today 00:00
		{"noon", date(2023, 11, 14, 12, 0, 0)},       // today 12:00
		{"noon yesterday", date(2023, 11, 13, 12, 0, 0)},
		{"teatime tomorrow", date(2023, 11, 15, 16, 0, 0)},
		{"midnight today", date(2023, 11, 14, 0, 0, 0)},
		{"midnight-1d", date(2023, 11, 13, 0, 0, 0)},
		{"20231114", date(2023, 11, 14, 0, 0, 0)}, // a date alone is midnight
		{"1700000000-1d", 1700000000 - 86400},
		{"noon monday", date(2023, 11, 13, 12, 0, 0)}, // this week's Monday
		{"midnight sunday", date(2023, 11, 12, 0, 0, 0)},
		{"20231001", date(2023, 10, 1, 0, 0, 0)},
		{"12:30 20231114", date(2023, 11, 14, 12, 30, 0)},
		{"20231114 12:30", date(2023, 11, 14, 12, 30, 0)},
		{"9:05", date(2023, 11, 14, 9, 5, 0)},
		{"9am", date(2023, 11, 14, 9, 0, 0)},
		{"12am", date(2023, 11, 14, 0, 0, 0)},
		{"5:30pm", date(2023, 11, 14, 17, 30, 0)},
		{"11/14/2023", date(2023, 11, 14, 0, 0, 0)},
		{"14.11.2023", date(2023, 11, 14, 0, 0, 0)},
		{"11/14/23", date(2023, 11, 14, 0, 0, 0)},
		{"Nov 14 2023", 1700000000},
		{"november 1", date(2023, 11, 1, 22, 13, 20)},
		{"jan 1 2020", date(2020, 1, 1, 22, 13, 20)},
		{"noon friday", date(2023, 11, 17, 12, 0, 0)},
		{"1700000000-1h", 1700000000 - 3600},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			ts, err := parseRRDTime(tt.spec, rrdRefNow, utc)
			if err != nil {
				t.Fatalf("parseRRDTime(%q): %v", tt.spec, err)
			}
			if ts.Ref != tsAbsolute {
				t.Fatalf("parseRRDTime(%q) ref = %d, want absolute", tt.spec, ts.Ref)
			}
			got, err := ts.Seconds(utc)
			if err != nil || got != tt.want {
				t.Errorf("parseRRDTime(%q) = %d (%v), %v; want %d (%v)", tt.spec, got,
					time.Unix(got, 0).UTC(), err, tt.want, time.Unix(tt.want, 0).UTC())
			}
		})
	}
}

func TestParseTimeSpec_DaylightSavingKeepsWallClock(t *testing.T) {
	// Across the switch to summer time a day is 23 hours: "-1d" keeps the
	// wall-clock time, as mktime does.
	loc := rrdMustLoc(t, "Europe/Berlin")
	now := time.Date(2024, 3, 31, 12, 0, 0, 0, loc) // summer time started at 02:00
	ts, err := parseRRDTime("-1d", now, loc)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := ts.Seconds(loc)
	if want := time.Date(2024, 3, 30, 12, 0, 0, 0, loc).Unix(); got != want {
		t.Errorf("-1d = %v, want %v", time.Unix(got, 0).In(loc), time.Unix(want, 0).In(loc))
	}
	if now.Unix()-got != 23*3600 {
		t.Errorf("-1d across DST is %d s, want 23 h", now.Unix()-got)
	}
}

func TestParseTimeSpec_Errors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"garbage", "unparsable time: garbage"},
		{"", "unparsable time: "},
		{"@x", "unparsable time: @@x"},
		{"now+", "There should be number after '+'"},
		{"-", "There should be number after '-'"},
		{"end", "'start' or 'end' MUST be followed by +|- offset"},
		{"start", "'start' or 'end' MUST be followed by +|- offset"},
		{"now foo", "if 'now' is followed by a token it must be +|- offset"},
		{"1000", "did you really mean month 1000?"},
		{"1700000000.5", "unparsable trailing text: '....5'"},
		{"12:75", "parsing HH:MM syntax, got MM = 75 (>59!)"},
		{"12:", "Parsing HH:MM syntax, expecting MM as number, got none"},
		{"13pm", "there cannot be more than 12 AM or PM hours"},
		{"01/01/69", "won't handle dates before epoch (01/01/1970), sorry"},
		{"01/01/1960", "invalid year 1960 (should be either 00-99 or >1900)"},
		{"yesterday", "unparsable time: yesterday"}, // only after a time of day
		{"monday", "unparsable time: monday"},
		{"13/01/2020", "did you really mean month 13?"},
		{"01/32/2020", "I'm afraid that 32 is not a valid day of the month"},
		{"11/", "there should be day number after '/'"},
		{"11.", "there should be month number after '.'"},
		{"jan", "the day of the month should follow month name"},
		{"now-1h foo", "unparsable trailing text: '...foo'"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			ts, err := parseRRDTime(tt.spec, rrdRefNow, time.UTC)
			if err == nil {
				_, err = ts.Seconds(time.UTC)
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("parseRRDTime(%q) error = %v, want %q", tt.spec, err, tt.want)
			}
		})
	}
}

func TestResolveStartEnd(t *testing.T) {
	tests := []struct {
		start, end string
		s, e       int64
		err        string
	}{
		{"end-1d", "now", 1700000000 - 86400, 1700000000, ""},
		{"e-1h", "1700000000", 1700000000 - 3600, 1700000000, ""},
		{"-1h", "start+30min", 1700000000 - 3600, 1700000000 - 1800, ""},
		{"1690000000", "s+2h", 1690000000, 1690000000 + 7200, ""},
		{"end-1mon", "20231114", 1699920000 - 31*86400, 1699920000, ""}, // October has 31 days
		{"end-1y", "1700000000", 1700000000 - 365*86400, 1700000000, ""},
		{"end-1h", "start+1h", 0, 0, "the start and end times cannot be specified relative to each other"},
		{"start+1h", "now", 0, 0, "the start time cannot be specified relative to itself"},
		{"-1h", "end-1h", 0, 0, "the end time cannot be specified relative to itself"},
	}
	for _, tt := range tests {
		t.Run(tt.start+","+tt.end, func(t *testing.T) {
			st, err1 := parseRRDTime(tt.start, rrdRefNow, time.UTC)
			en, err2 := parseRRDTime(tt.end, rrdRefNow, time.UTC)
			if err1 != nil || err2 != nil {
				t.Fatalf("parse: %v, %v", err1, err2)
			}
			s, e, err := rrdStartEnd(st, en, time.UTC)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || s != tt.s || e != tt.e {
				t.Errorf("= %d, %d, %v; want %d, %d", s, e, err, tt.s, tt.e)
			}
		})
	}
}

func TestScaledDuration(t *testing.T) {
	tests := []struct {
		in      string
		divisor uint64
		want    uint64
		err     string
	}{
		{"300", 1, 300, ""},
		{"300", 7, 300, ""}, // a count is never scaled
		{"5m", 1, 300, ""},
		{"5min", 1, 300, ""}, // only the first suffix letter counts
		{"1h", 300, 12, ""},
		{"2d", 1, 172800, ""},
		{"1w", 1, 604800, ""},
		{"1M", 86400, 31, ""},
		{"1y", 86400, 366, ""},
		{"10s", 1, 10, ""},
		{"7m", 300, 0, "value would truncate when scaled"},
		{"0", 1, 0, "value must be positive"},
		{"0h", 1, 0, "value must be positive"},
		{"", 1, 0, "value must be (suffixed) positive number"},
		{"-5", 1, 0, "value must be (suffixed) positive number"},
		{"x", 1, 0, "value must be (suffixed) positive number"},
		{"10x", 1, 0, "value has trailing garbage"},
	}
	for _, tt := range tests {
		got, err := rrdScaledDuration(tt.in, tt.divisor)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("rrdScaledDuration(%q, %d) error = %v, want %q", tt.in, tt.divisor, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("rrdScaledDuration(%q, %d) = %d, %v; want %d", tt.in, tt.divisor, got, err, tt.want)
		}
	}
}

func TestParseRRDFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		err  string
	}{
		{"0.5", 0.5, ""},
		{"1e3", 1000, ""},
		{"-2.5E-1", -0.25, ""},
		{"+7", 7, ""},
		{"inf", math.Inf(1), ""},
		{"-inf", math.Inf(-1), ""},
		{"NaN", math.NaN(), ""},
		{"abc", 0, "Cannot convert 'abc' to float"},
		{"", 0, "Cannot convert '' to float"},
		{"1.5x", 0, "Converted '1.5x' to 1.500000, but cannot convert 'x'"},
		{"1e999", math.Inf(1), ""},
		{"1e2000", 0, "Cannot convert '1e2000' to float"},
	}
	for _, tt := range tests {
		got, err := parseRRDFloat(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseRRDFloat(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !(got == tt.want || math.IsNaN(got) && math.IsNaN(tt.want)) {
			t.Errorf("parseRRDFloat(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// rrdtoolBinary returns the path of the real rrdtool, skipping the test
// when it is missing (failing it under CI, which must have it).
func rrdtoolBinary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("rrdtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("rrdtool is required under CI: %v", err)
		}
		t.Skipf("rrdtool not installed: %v", err)
	}
	return path
}

// runRrdtool runs rrdtool with args in time zone tz (empty: the local one)
// and returns stdout, stderr and the exit code.
func runRrdtool(t testing.TB, tz string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(rrdtoolBinary(t), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if tz != "" {
		cmd.Env = append(cmd.Env, "TZ="+tz)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("rrdtool %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

// TestParseTimeSpec_MatchesRrdtool gives the same specifications to our
// parser and to rrdtool (as fetch --start/--end on a file with a one-second
// step, whose first and last rows reveal the parsed window) and compares
// the windows or the error messages.
func TestParseTimeSpec_MatchesRrdtool(t *testing.T) {
	rrdtoolBinary(t)
	for _, tz := range []string{"UTC", "Europe/Berlin", "America/New_York"} {
		loc := rrdMustLoc(t, tz)
		dir := t.TempDir()
		file := filepath.Join(dir, "w.rrd")
		if _, stderr, code := runRrdtool(t, tz, "create", file, "--start", "1000000000", "--step", "1",
			"DS:x:GAUGE:10:U:U", "RRA:AVERAGE:0.5:1:10"); code != 0 {
			t.Fatalf("rrdtool create: %s", stderr)
		}
		windows := [][2]string{
			{"end-1h", "now"},
			{"-2h", "-1h"},
			{"now-1d", "now-23h"},
			{"-1d2h", "-1d"},
			{"midnight", "noon"},
			{"noon yesterday", "midnight"},
			{"yesterday", "today"},
			{"-1w", "-6d22h"},
			{"20231114", "20231114+1h"},
			{"12:30 20231114", "13:00 20231114"},
			{"20231114 12:30", "s+45m"},
			{"11/14/2023", "s+1h"},
			{"14.11.2023", "15.11.2023"},
			{"Nov 14 2023", "e+1h"},
			{"jan 1 2020", "s+3h"},
			{"monday", "s+1h"},
			{"noon friday", "s+1h"},
			{"1700000000", "1700003600"},
			{"e-3600", "1700003600"},
			{"-6m", "now"},
			{"-3h20m", "-3h"},
			{"9am", "5:30pm"},
			{"12am", "12pm"},
			{"teatime", "s+1h"},
			{"end-1d", "20240331"}, // across the switch to summer time in Europe
			{"end-2d", "20240311"}, // and in America
			{"end-1d", "20241028"}, // back to winter time
			{"end-12h", "s+1d"},
			// errors
			{"garbage", "now"},
			{"-1h", "@x"},
			{"now foo", "now"},
			{"end", "now"},
			{"1000", "now"},
			{"1700000000.5", "now"},
			{"12:75", "now"},
			{"13pm", "now"},
			{"01/01/1960", "now"},
			{"13/01/2020", "now"},
			{"end-1h", "start+1h"},
			{"s+1h", "now"},
			{"-1h", "e-1h"},
			{"now+", "now"},
			{"jan", "now"},
		}
		for _, w := range windows {
			t.Run(tz+"/"+w[0]+","+w[1], func(t *testing.T) {
				var out, stderr string
				var s, e int64
				var err error
				// Retry if the second ticks over while rrdtool runs.
				for try := 0; try < 5; try++ {
					before := time.Now()
					out, stderr, _ = runRrdtool(t, tz, "fetch", file, "AVERAGE", "-s", w[0], "-e", w[1])
					after := time.Now()
					s, e, err = rrdParseWindow(w[0], w[1], before, loc)
					s2, e2, err2 := rrdParseWindow(w[0], w[1], after, loc)
					if s == s2 && e == e2 && fmt.Sprint(err) == fmt.Sprint(err2) {
						break
					}
				}
				if err != nil {
					want := strings.TrimPrefix(strings.TrimSpace(stderr), "ERROR: ")
					if want != err.Error() {
						t.Errorf("error %q, rrdtool says %q", err, want)
					}
					return
				}
				if stderr != "" {
					t.Fatalf("we parsed %d..%d, rrdtool says %s", s, e, stderr)
				}
				rs, re := rrdFetchWindow(t, out)
				if rs != s || re != e {
					t.Errorf("window %d..%d (%v..%v), rrdtool %d..%d (%v..%v)", s, e,
						time.Unix(s, 0).In(loc), time.Unix(e, 0).In(loc), rs, re,
						time.Unix(rs, 0).In(loc), time.Unix(re, 0).In(loc))
				}
			})
		}
	}
}

func rrdParseWindow(start, end string, now time.Time, loc *time.Location) (int64, int64, error) {
	st, err := parseRRDTime(start, now, loc)
	if err != nil {
		return 0, 0, fmt.Errorf("start time: %w", err)
	}
	en, err := parseRRDTime(end, now, loc)
	if err != nil {
		return 0, 0, fmt.Errorf("end time: %w", err)
	}
	return rrdStartEnd(st, en, loc)
}

// rrdFetchWindow reads start and end back from rrdtool fetch output of a file
// with a one-second step: the first row is start+1, the last end+1.
func rrdFetchWindow(t testing.TB, out string) (int64, int64) {
	t.Helper()
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if i := strings.IndexByte(l, ':'); i > 0 {
			rows = append(rows, strings.TrimSpace(l[:i]))
		}
	}
	if len(rows) == 0 {
		t.Fatalf("no rows in fetch output %q", out)
	}
	first, err1 := strconv.ParseInt(rows[0], 10, 64)
	last, err2 := strconv.ParseInt(rows[len(rows)-1], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad rows in fetch output: %v %v", err1, err2)
	}
	return first - 1, last - 1
}

// FuzzParseTimeSpec checks that no specification makes the parser panic.
func FuzzParseTimeSpec(f *testing.F) {
	for _, s := range []string{"now", "-1h", "end-1d", "s+2h", "noon yesterday", "12:30 20231114",
		"11/14/2023", "14.11.2023", "Nov 14 2023", "-1d2h3m", "1700000000", "midnight+5m", "@", "9am"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := parseRRDTime(s, rrdRefNow, time.UTC)
		if err != nil {
			return
		}
		_, _ = ts.Seconds(time.UTC)
		other, _ := parseRRDTime("now", rrdRefNow, time.UTC)
		_, _, _ = rrdStartEnd(ts, other, time.UTC)
		_, _, _ = rrdStartEnd(other, ts, time.UTC)
	})
}

// FuzzCreateSpecs checks that no DS/RRA definition or number makes the
// create parsers panic, and that what they accept is within rrdtool's
// limits.
func FuzzCreateSpecs(f *testing.F) {
	for _, s := range []string{"DS:a:GAUGE:600:U:U", "DS:x:COUNTER:10m:0:1e9", "RRA:AVERAGE:0.5:1h:1y",
		"RRA:MAX:0:1:10", "DS:a=b[1]:DERIVE:1:U:U", "RRA::::", "1e308", "-nan", "18446744073709551615"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ds, err := parseDSSpec(s); err == nil {
			if ds.Name == "" || len(ds.Name) > 19 || ds.Heartbeat <= 0 || ds.Min >= ds.Max {
				t.Errorf("parseDSSpec(%q) accepted %+v", s, ds)
			}
		}
		if rra, err := parseRRASpec("RRA:"+s, 300); err == nil {
			if rra.Steps < 1 || rra.Rows < 1 || !(rra.XFF >= 0 && rra.XFF < 1) {
				t.Errorf("parseRRASpec(%q) accepted %+v", s, rra)
			}
		}
		_, _ = rrdScaledDuration(s, 7)
		_, _ = parseRRDFloat(s)
	})
}
