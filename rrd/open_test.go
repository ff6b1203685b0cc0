package rrd

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testDef is a small definition with every DS type and CF.
func testDef(start time.Time) Definition {
	return Definition{
		Step:  10 * time.Second,
		Start: start,
		DS: []DS{
			{Name: "g", Type: Gauge, Heartbeat: 30 * time.Second, Min: 0, Max: math.NaN()},
			{Name: "c", Type: Counter, Heartbeat: 30 * time.Second, Min: math.NaN(), Max: math.NaN()},
			{Name: "d", Type: Derive, Heartbeat: 30 * time.Second, Min: 0, Max: math.NaN()},
			{Name: "a", Type: Absolute, Heartbeat: 30 * time.Second, Min: math.NaN(), Max: 1000},
		},
		RRA: []RRA{
			{CF: Average, XFF: 0.5, Steps: 1, Rows: 8},
			{CF: Min, XFF: 0.5, Steps: 3, Rows: 4},
			{CF: Max, XFF: 0.5, Steps: 3, Rows: 4},
			{CF: Last, XFF: 0, Steps: 2, Rows: 3},
		},
	}
}

// newTestFile creates a file with testDef in a temporary folder.
func newTestFile(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.rrd")
	if err := Create(p, testDef(time.Unix(1700000000, 0))); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenRefusesCorruptFiles(t *testing.T) {
	good, err := os.ReadFile(newTestFile(t))
	if err != nil {
		t.Fatal(err)
	}
	l, err := parseLayout(good, int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	put := func(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		msg    string
	}{
		{"Empty", func(b []byte) []byte { return nil }, "shorter than an RRD header"},
		{"TruncatedHeader", func(b []byte) []byte { return b[:200] }, "does not fit"},
		{"TruncatedRows", func(b []byte) []byte { return b[:len(b)-8] }, "too small"},
		{"NotRRD", func(b []byte) []byte { copy(b, "GIF89a"); return b }, "cookie"},
		{"FutureVersion", func(b []byte) []byte { copy(b[4:], "0009"); return b }, "version"},
		{"GarbageVersion", func(b []byte) []byte { copy(b[4:], "00x3"); return b }, "version"},
		{"FloatCookie", func(b []byte) []byte { put(b, 16, math.Float64bits(1.5)); return b }, "float cookie"},
		{"BigEndian", func(b []byte) []byte {
			binary.BigEndian.PutUint64(b[16:], math.Float64bits(floatCookie))
			return b
		}, "big-endian"},
		{"ThirtyTwoBit", func(b []byte) []byte {
			clear(b[12:24])
			binary.LittleEndian.PutUint64(b[12:], math.Float64bits(floatCookie))
			return b
		}, "32-bit"},
		{"HugeDSCount", func(b []byte) []byte { put(b, offDSCnt, 1<<60); return b }, "does not fit"},
		{"ZeroRRACount", func(b []byte) []byte { put(b, offRRACnt, 0); return b }, "no archives"},
		{"ZeroStep", func(b []byte) []byte { put(b, offPDPStep, 0); return b }, "bad step"},
		{"UnknownDSType", func(b []byte) []byte { copy(b[statHeadSize+nameSize:], "SPEEDO\x00"); return b }, "unsupported type"},
		{"BadComputeExpression", func(b []byte) []byte { copy(b[statHeadSize+nameSize:], "COMPUTE\x00"); return b }, "COMPUTE expression"},
		{"EmptyDSName", func(b []byte) []byte { b[statHeadSize] = 0; return b }, "bad name"},
		{"ZeroHeartbeat", func(b []byte) []byte { put(b, statHeadSize+dsOffHeartbeat, 0); return b }, "heartbeat"},
		{"UnknownCF", func(b []byte) []byte { copy(b[statHeadSize+4*dsDefSize:], "MEDIAN\x00"); return b }, "unsupported consolidation"},
		{"ZeroRows", func(b []byte) []byte { put(b, statHeadSize+4*dsDefSize+rraOffRows, 0); return b }, "row count"},
		{"HugeRows", func(b []byte) []byte { put(b, statHeadSize+4*dsDefSize+rraOffRows, 1<<62); return b }, "row count"},
		{"ZeroSteps", func(b []byte) []byte { put(b, statHeadSize+4*dsDefSize+rraOffPDP, 0); return b }, "steps per row"},
		{"BadXFF", func(b []byte) []byte { put(b, statHeadSize+4*dsDefSize+rraOffXFF, math.Float64bits(1)); return b }, "xff"},
		{"CurRowPastEnd", func(b []byte) []byte { put(b, int(l.ptrOff), 8); return b }, "current row"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.mutate(append([]byte(nil), good...))
			p := filepath.Join(t.TempDir(), "bad.rrd")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Open(p)
			if err == nil {
				f.Close()
				t.Fatal("Open accepted a corrupt file")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q does not mention %q", err, c.msg)
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope.rrd"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open of a missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestCreateRefusesExistingFile(t *testing.T) {
	p := newTestFile(t)
	before, _ := os.ReadFile(p)
	err := Create(p, testDef(time.Unix(1800000000, 0)))
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over an existing file: %v, want fs.ErrExist", err)
	}
	after, _ := os.ReadFile(p)
	if string(before) != string(after) {
		t.Fatal("Create changed the existing file")
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	if len(ents) != 1 {
		t.Fatalf("Create left files behind: %v", ents)
	}
}

func TestCreateRefusesBadDefinitions(t *testing.T) {
	base := func() Definition { return testDef(time.Unix(1700000000, 0)) }
	cases := []struct {
		name   string
		mutate func(*Definition)
		msg    string
	}{
		{"NoDS", func(d *Definition) { d.DS = nil }, "at least one Data Source"},
		{"NoRRA", func(d *Definition) { d.RRA = nil }, "at least one Round Robin Archive"},
		{"LongName", func(d *Definition) { d.DS[0].Name = strings.Repeat("x", 20) }, "invalid DS name"},
		{"BadChar", func(d *Definition) { d.DS[0].Name = "a b" }, "invalid DS name"},
		{"Duplicate", func(d *Definition) { d.DS[1].Name = d.DS[0].Name }, "Duplicate DS name"},
		{"BadType", func(d *Definition) { d.DS[0].Type = "SPEEDO" }, "invalid DS type"},
		{"EmptyExpression", func(d *Definition) { d.DS[1].Type = Compute }, "failed to parse computed data source"},
		{"ExpressionUsesLaterDS", func(d *Definition) { d.DS[0].Type, d.DS[0].CDEF = Compute, "c,1,+" }, "failed to parse computed data source"},
		{"FractionalStep", func(d *Definition) { d.Step = 1500 * time.Millisecond }, "whole number of seconds"},
		{"NoHeartbeat", func(d *Definition) { d.DS[0].Heartbeat = 0 }, "heartbeat"},
		{"MinAboveMax", func(d *Definition) { d.DS[0].Min, d.DS[0].Max = 5, 1 }, "min must be less than max"},
		{"BadCF", func(d *Definition) { d.RRA[0].CF = "MEDIAN" }, "consolidation function"},
		{"XFFOne", func(d *Definition) { d.RRA[0].XFF = 1 }, "Invalid xff"},
		{"ZeroRows", func(d *Definition) { d.RRA[0].Rows = 0 }, "Invalid row count"},
		{"ZeroSteps", func(d *Definition) { d.RRA[0].Steps = 0 }, "Invalid step"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := base()
			c.mutate(&d)
			p := filepath.Join(t.TempDir(), "x.rrd")
			err := Create(p, d)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("Create: %v, want an error mentioning %q", err, c.msg)
			}
			if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Fatal("a refused Create left a file")
			}
		})
	}
}

func TestUpdateNotNewerLeavesFileUntouched(t *testing.T) {
	p := newTestFile(t)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t0 := time.Unix(1700000000, 0)
	vals := func(v float64) []float64 { return []float64{v, v, v, v} }
	if err := f.Update(Sample{Time: t0.Add(5 * time.Second), Values: vals(1)}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(p)
	for _, batch := range [][]Sample{
		{{Time: t0.Add(5 * time.Second), Values: vals(2)}},
		{{Time: t0.Add(20 * time.Second), Values: vals(2)}, {Time: t0.Add(15 * time.Second), Values: vals(3)}},
		{{Time: t0.Add(20 * time.Second), Values: vals(2)}, {Time: t0.Add(20 * time.Second), Values: vals(3)}},
		{{Time: t0.Add(4 * time.Second), Values: vals(2)}},
	} {
		if err := f.Update(batch...); !errors.Is(err, ErrNotNewer) {
			t.Fatalf("Update(%v): %v, want ErrNotNewer", batch, err)
		}
	}
	for _, batch := range [][]Sample{
		{{Time: t0.Add(30 * time.Second), Values: vals(2)}, {Time: t0.Add(40 * time.Second), Values: []float64{1}}},
		{{Time: t0.Add(30 * time.Second), Raw: []string{"1", "x", "2", "3"}}},
		{{Time: t0.Add(30 * time.Second), Values: []float64{1, 1.5, 1, 1}}},
	} {
		if err := f.Update(batch...); err == nil {
			t.Fatalf("Update(%v) accepted a bad sample", batch)
		}
	}
	after, _ := os.ReadFile(p)
	if string(before) != string(after) {
		t.Fatal("a refused Update changed the file")
	}
	// Sub-second steps are fine.
	if err := f.Update(Sample{Time: t0.Add(5*time.Second + 500*time.Millisecond), Values: vals(2)}); err != nil {
		t.Fatal(err)
	}
	lu, err := f.LastUpdate()
	if err != nil || !lu.Equal(t0.Add(5*time.Second+500*time.Millisecond)) {
		t.Fatalf("LastUpdate = %v, %v", lu, err)
	}
}

func TestDefinitionRoundTrip(t *testing.T) {
	p := newTestFile(t)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := testDef(time.Unix(1700000000, 0))
	got := f.Definition()
	if got.Step != want.Step || !got.Start.Equal(want.Start) || len(got.DS) != len(want.DS) || len(got.RRA) != len(want.RRA) {
		t.Fatalf("Definition = %+v, want %+v", got, want)
	}
	for i := range want.DS {
		w, g := want.DS[i], got.DS[i]
		if w.Name != g.Name || w.Type != g.Type || w.Heartbeat != g.Heartbeat || !sameFloat(w.Min, g.Min, 0) || !sameFloat(w.Max, g.Max, 0) {
			t.Errorf("DS %d = %+v, want %+v", i, g, w)
		}
	}
	for i := range want.RRA {
		if want.RRA[i] != got.RRA[i] {
			t.Errorf("RRA %d = %+v, want %+v", i, got.RRA[i], want.RRA[i])
		}
	}
	in, err := f.Info()
	if err != nil {
		t.Fatal(err)
	}
	if in.Version != "0003" || in.Step != want.Step || len(in.RRA) != 4 || in.DS[1].LastDS != "U" || in.HeaderSize <= statHeadSize {
		t.Fatalf("Info = %+v", in)
	}
	if err := f.Dump(io.Discard); err != nil {
		t.Fatal(err)
	}
}

// TestOpenErrorSaysThingsOnce: Open's message names the path once and
// says "rrd:" once, yet errors.Is and errors.As see the cause.
func TestOpenErrorSaysThingsOnce(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("1700000000,1.5\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "Bogus.rrd")
	tests := []struct {
		path   string
		is     error
		prefix string
	}{
		{missing, fs.ErrNotExist, "rrd: open " + missing + ": no such file or directory"},
		{garbage, ErrInvalid, "rrd: open " + garbage + ": not a valid RRD file"},
	}
	for _, tt := range tests {
		_, err := Open(tt.path)
		if !errors.Is(err, tt.is) {
			t.Errorf("Open(%s) = %v; want errors.Is %v", tt.path, err, tt.is)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, tt.prefix) || strings.Count(msg, tt.path) != 1 || strings.Count(strings.ReplaceAll(msg, tt.path, ""), "rrd:") != 1 {
			t.Errorf("Open(%s) says %q; want it to start %q with the path and \"rrd:\" once", tt.path, msg, tt.prefix)
		}
	}
	var pe *fs.PathError
	if _, err := Open(missing); !errors.As(err, &pe) {
		t.Errorf("Open(missing) = %v; want an *fs.PathError inside", err)
	}
}
