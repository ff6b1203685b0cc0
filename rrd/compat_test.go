package rrd

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOldToolFileContinued: files made by rrdtool create as numenta-rogue
// made them are continued by Rogue exactly as rrdtool would continue them.
func TestOldToolFileContinued(t *testing.T) {
	needRRDTool(t)
	cases := []struct {
		name string
		ds   string
		vals func(i int) string
	}{
		{"CPUPercent", "DS:CPUPercent:GAUGE:600:0:U", func(i int) string { return strconv.FormatFloat(float64(i%97)*1.37, 'f', -1, 64) }},
		{"DiskReadBytes", "DS:DiskReadBytes:DERIVE:600:0:U", func(i int) string { return strconv.Itoa(1000000 + i*i*4096) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			start := int64(1700000000)
			orig := filepath.Join(dir, "orig.rrd")
			rrdtool(t, "create", orig, "--step", "60", "--start", strconv.FormatInt(start, 10), c.ds, "RRA:AVERAGE:0.5:1:4032")
			a, b := filepath.Join(dir, "a.rrd"), filepath.Join(dir, "b.rrd")
			copyFile(t, orig, a)
			copyFile(t, orig, b)
			f, err := Open(b)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var args []string
			ts := start
			for i := 0; i < 300; i++ {
				ts += int64(45 + i%40)
				if i == 150 {
					ts += 700 // a gap longer than the heartbeat
				}
				v := c.vals(i)
				args = append(args, fmt.Sprintf("%d:%s", ts, v))
				if err := f.Update(Sample{Time: time.Unix(ts, 0), Raw: []string{v}}); err != nil {
					t.Fatal(err)
				}
			}
			rrdtool(t, append([]string{"update", a}, args...)...)
			ba, _ := os.ReadFile(a)
			bb, _ := os.ReadFile(b)
			if !bytes.Equal(ba, bb) {
				da, db := rrdtool(t, "dump", a), rrdtool(t, "dump", b)
				t.Fatalf("files differ after the same updates (%s)\nrrdtool:\n%s\nrogue:\n%s", byteDiff(ba, bb), firstDiff(da, db), firstDiff(db, da))
			}
			for _, w := range [][2]int64{{start, ts}, {start + 3600, ts - 3600}, {ts - 7200, ts + 600}, {start - 86400, start + 100}} {
				compareFetch(t, b, f, Average, w[0], w[1], 0)
			}
			// rrdtool still reads and updates Rogue's result.
			rrdtool(t, "update", b, fmt.Sprintf("%d:%s", ts+60, c.vals(1)))
			if lu, err := f.LastUpdate(); err != nil || lu.Unix() != ts+60 {
				t.Fatalf("LastUpdate after rrdtool update = %v, %v; want %d", lu, err, ts+60)
			}
		})
	}
}

// firstDiff returns the lines around the first difference of a from b.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range la {
		if i >= len(lb) || la[i] != lb[i] {
			lo, hi := max(0, i-3), min(len(la), i+4)
			return strings.Join(la[lo:hi], "\n")
		}
	}
	return "(no difference)"
}

// byteDiff describes where two RRD images differ.
func byteDiff(a, b []byte) string {
	if len(a) != len(b) {
		return fmt.Sprintf("sizes %d and %d", len(a), len(b))
	}
	l, err := parseLayout(a, int64(len(a)))
	if err != nil {
		return err.Error()
	}
	var out []string
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		o := int64(i) &^ 7
		region := "static header"
		switch {
		case o >= l.headerLen:
			region = "rows"
		case o >= l.ptrOff:
			region = fmt.Sprintf("rra_ptr[%d]", (o-l.ptrOff)/8)
		case o >= l.cdpOff:
			region = fmt.Sprintf("cdp_prep[%d] scratch %d", (o-l.cdpOff)/cdpPrepSize, (o-l.cdpOff)%cdpPrepSize/8)
		case o >= l.pdpOff:
			region = fmt.Sprintf("pdp_prep[%d] byte %d", (o-l.pdpOff)/pdpPrepSize, (o-l.pdpOff)%pdpPrepSize)
		case o >= l.liveOff:
			region = "live head"
		}
		out = append(out, fmt.Sprintf("%s @%d: %x vs %x", region, o, a[o:o+8], b[o:o+8]))
		if len(out) > 8 {
			break
		}
	}
	return strings.Join(out, "; ")
}

var _ = math.NaN

// TestVersion1FileContinued: files in the pre-1.2 layout (version 0001,
// no microseconds in the live head) are read and updated as rrdtool does.
func TestVersion1FileContinued(t *testing.T) {
	needRRDTool(t)
	dir := t.TempDir()
	v3 := filepath.Join(dir, "v3.rrd")
	rrdtool(t, "create", v3, "--step", "10", "--start", "1700000000", "DS:a:GAUGE:30:U:U", "DS:b:COUNTER:30:U:U", "RRA:AVERAGE:0.5:1:10", "RRA:MAX:0.5:3:5")
	b3, err := os.ReadFile(v3)
	if err != nil {
		t.Fatal(err)
	}
	l, err := parseLayout(b3, int64(len(b3)))
	if err != nil {
		t.Fatal(err)
	}
	// Drop last_up_usec and mark the file as version 0001.
	b1 := append(append([]byte(nil), b3[:l.liveOff+8]...), b3[l.liveOff+16:]...)
	copy(b1[4:], "0001")
	a, b := filepath.Join(dir, "a.rrd"), filepath.Join(dir, "b.rrd")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, b1, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var args []string
	for i := 1; i <= 40; i++ {
		ts := 1700000000 + int64(i*7)
		raw := []string{strconv.Itoa(i * 3), strconv.Itoa(i * i * 100)}
		args = append(args, fmt.Sprintf("%d.5:%s:%s", ts, raw[0], raw[1]))
		// rrdtool ignores sub-seconds for these files.
		if err := f.Update(Sample{Time: time.Unix(ts, 500e6), Raw: raw}); err != nil {
			t.Fatal(err)
		}
	}
	rrdtool(t, append([]string{"update", a}, args...)...)
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ba, bb) {
		t.Fatalf("version 0001 files differ after the same updates: %s", byteDiff(ba, bb))
	}
	in, err := f.Info()
	if err != nil || in.Version != "0001" || in.LastUpdate.Unix() != 1700000280 || in.LastUpdate.Nanosecond() != 0 {
		t.Fatalf("Info = %+v, %v", in, err)
	}
	var d bytes.Buffer
	if err := f.Dump(&d); err != nil {
		t.Fatal(err)
	}
	if want := rrdtool(t, "dump", b); d.String() != want {
		t.Fatalf("Dump differs from rrdtool dump:\n%s\n---\n%s", firstDiff(d.String(), want), firstDiff(want, d.String()))
	}
}

// TestInterleavedWithRRDTool: an open File honours updates and tuning that
// rrdtool makes between its calls (it re-reads the header under the lock).
func TestInterleavedWithRRDTool(t *testing.T) {
	needRRDTool(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.rrd"), filepath.Join(dir, "b.rrd")
	rrdtool(t, "create", a, "--step", "10", "--start", "1700000000", "DS:x:DERIVE:30:0:U", "RRA:AVERAGE:0.5:1:20", "RRA:MAX:0.5:4:5")
	copyFile(t, a, b)
	f, err := Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := 1; i <= 60; i++ {
		arg := fmt.Sprintf("%d:%d", 1700000000+i*9, i*i*50)
		if i == 30 {
			rrdtool(t, "tune", a, "--heartbeat", "x:12")
			rrdtool(t, "tune", b, "--heartbeat", "x:12")
		}
		rrdtool(t, "update", a, arg)
		if i%3 == 0 {
			rrdtool(t, "update", b, arg)
			continue
		}
		ts, v, _ := strings.Cut(arg, ":")
		sec, _ := strconv.ParseInt(ts, 10, 64)
		if err := f.Update(Sample{Time: time.Unix(sec, 0), Raw: []string{v}}); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ba, bb) {
		t.Fatalf("interleaved updates differ: %s", byteDiff(ba, bb))
	}
	if hb := f.Definition().DS[0].Heartbeat; hb != 12*time.Second {
		t.Fatalf("heartbeat after rrdtool tune = %v, want 12s", hb)
	}
}

// TestBadSampleKeepsEarlierReadings: rrdtool stops at a bad value but keeps
// the readings it took from the same sample before it, so the next COUNTER
// rate is computed from them; UpdateUntilError does the same.
func TestBadSampleKeepsEarlierReadings(t *testing.T) {
	needRRDTool(t)
	cases := []struct {
		name   string
		ds     []string
		before []string // applied in full
		bad    string
		after  string
	}{
		{"counter before bad gauge", []string{"DS:c:COUNTER:120:U:U", "DS:g:GAUGE:120:U:U"},
			[]string{"1000000060:100:1"}, "1000000120:700:bad", "1000000180:1300:2"},
		{"bad counter after good counter", []string{"DS:a:DERIVE:120:U:U", "DS:b:COUNTER:120:U:U", "DS:c:COUNTER:120:U:U"},
			[]string{"1000000060:100:5:7", "1000000100:200:9:9"}, "1000000150:400:1x:2", "1000000210:500:20:30"},
		{"heartbeat passed before the bad value", []string{"DS:a:COUNTER:60:U:U", "DS:b:GAUGE:600:U:U", "DS:c:COUNTER:600:U:U"},
			[]string{"1000000060:100:1:5"}, "1000000200:150:x:9", "1000000230:180:2:12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			orig := filepath.Join(dir, "orig.rrd")
			args := append([]string{"create", orig, "--start", "1000000000", "--step", "60"}, c.ds...)
			rrdtool(t, append(args, "RRA:LAST:0.5:1:10", "RRA:AVERAGE:0.5:2:10")...)
			a, b := filepath.Join(dir, "a.rrd"), filepath.Join(dir, "b.rrd")
			copyFile(t, orig, a)
			copyFile(t, orig, b)
			if _, err := rrdtoolErr(append(append([]string{"update", a}, c.before...), c.bad)...); err == nil {
				t.Fatalf("rrdtool accepted %s", c.bad)
			}
			rrdtool(t, "update", a, c.after)

			f, err := Open(b)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sample := func(arg string) Sample {
				parts := strings.Split(arg, ":")
				sec, _ := strconv.ParseInt(parts[0], 10, 64)
				return Sample{Time: time.Unix(sec, 0), Raw: parts[1:]}
			}
			var samples []Sample
			for _, s := range append(c.before, c.bad) {
				samples = append(samples, sample(s))
			}
			n, err := f.UpdateUntilError(samples...)
			if err == nil || n != len(c.before) {
				t.Fatalf("UpdateUntilError = %d, %v; want %d and an error", n, err, len(c.before))
			}
			if err := f.Update(sample(c.after)); err != nil {
				t.Fatal(err)
			}
			ba, _ := os.ReadFile(a)
			bb, _ := os.ReadFile(b)
			if !bytes.Equal(ba, bb) {
				da, db := rrdtool(t, "dump", a), rrdtool(t, "dump", b)
				t.Fatalf("files differ (%s)\nrrdtool:\n%s\nrogue:\n%s", byteDiff(ba, bb), firstDiff(da, db), firstDiff(db, da))
			}
			compareFetch(t, b, f, Last, 1000000000, 1000000300, 0)
		})
	}
}
