package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// makeSyncRRD writes <prefix>/<name>.rrd with n GAUGE rows of value i+1
// ending at end.
func makeSyncRRD(t *testing.T, prefix, name string, end int64, n int) {
	t.Helper()
	first := end - int64(n-1)*60
	path := filepath.Join(prefix, name+".rrd")
	err := rrd.Create(path, rrd.Definition{
		Step:  time.Minute,
		Start: time.Unix(first-60, 0),
		DS:    []rrd.DS{{Name: name, Type: rrd.Gauge, Heartbeat: 600 * time.Second, Min: math.NaN(), Max: math.NaN()}},
		RRA:   []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: 4032}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := rrd.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range n {
		if err := f.Update(rrd.Sample{Time: time.Unix(first+int64(i)*60, 0), Values: []float64{float64(i + 1)}}); err != nil {
			t.Fatal(err)
		}
	}
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	// The commands read the app's settings: never the machine's own.
	if !strings.HasPrefix(os.Getenv("XDG_CONFIG_HOME"), os.TempDir()) {
		t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	}
	var out, errb bytes.Buffer
	code = run(context.Background(), args, stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

// lineSink accepts Carbon connections, counts their lines and closes.
func lineSink(t *testing.T) (addr string, lines chan int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	lines = make(chan int, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := 0
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				n++
			}
			c.Close()
			lines <- n
		}
	}()
	return ln.Addr().String(), lines
}

func TestForwardCommand_SendsAndRecordsCursor(t *testing.T) {
	prefix := t.TempDir()
	end := time.Now().Unix()/60*60 - 120
	makeSyncRRD(t, prefix, "CPUPercent", end, 30)
	makeSyncRRD(t, prefix, "KeyCount", end, 10)
	addr, lines := lineSink(t)
	host, port, _ := net.SplitHostPort(addr)
	code, out, errs := runCmd(t, "forward", "--server", "http://"+host, "--port", port, "--prefix", prefix)
	if code != 0 || !strings.Contains(out, "Sent 40 points to "+addr) {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
	if n := <-lines; n != 40 {
		t.Fatalf("server got %d lines", n)
	}
	// One connection is no receipt: the next run carries the points again
	// and only then are they recorded as delivered. (The cursor may pass
	// the unknown rows before the first point.)
	if b, err := os.ReadFile(filepath.Join(prefix, "CPUPercent.pos")); err == nil {
		if c, _ := strconv.ParseInt(string(b), 10, 64); c >= end-29*60 {
			t.Fatalf("cursor %d recorded past a point after one connection (first point %d)", c, end-29*60)
		}
	}
	code, out, errs = runCmd(t, "forward", "--server", addr, "--prefix", prefix, "--settle", "1ms")
	if code != 0 || !strings.Contains(out, "Sent 40 points to "+addr) || !strings.Contains(out, "40 of them again") {
		t.Fatalf("second run: exit %d, out %q, err %q", code, out, errs)
	}
	<-lines
	b, _ := os.ReadFile(filepath.Join(prefix, "CPUPercent.pos"))
	if string(b) != strconv.FormatInt(end, 10) {
		t.Fatalf("CPUPercent.pos = %q, want %d", b, end)
	}
	code, out, _ = runCmd(t, "forward", "--server", addr, "--prefix", prefix)
	if code != 0 || !strings.Contains(out, "Nothing new") {
		t.Fatalf("third run: exit %d, %q", code, out)
	}
}

func TestForwardCommand_ServerDownExits1AndKeepsCursors(t *testing.T) {
	prefix := t.TempDir()
	makeSyncRRD(t, prefix, "CPUPercent", time.Now().Unix()/60*60-120, 5)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	code, _, errs := runCmd(t, "forward", "--server", addr, "--prefix", prefix, "--timeout", "2s")
	if code != 1 || !strings.Contains(errs, "connection refused") || !strings.Contains(errs, "next run sends these points again") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(prefix, "CPUPercent.pos")); !os.IsNotExist(err) {
		t.Fatalf("cursor written after a failure: %v", err)
	}
}

func TestForwardCommand_Usage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"forward", "-h"}, 0, "Usage: rogue forward"},
		{[]string{"forward"}, 2, "--server is required"},
		{[]string{"forward", "--server", "grok", "extra"}, 2, "unexpected argument"},
		{[]string{"forward", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"forward", "--server", "grok", "--port", "0", "--prefix", "/nonexistent"}, 2, "--port 0"},
		{[]string{"forward", "--server", "ftp://grok", "--prefix", "/nonexistent"}, 2, "scheme"},
		{[]string{"forward", "--server", "grok", "--timeout", "0s"}, 2, "--timeout"},
		{[]string{"forward", "--server", "grok", "--metric-prefix", "a b", "--prefix", "/x"}, 2, "metric prefix"},
		{[]string{"forward", "--server", "127.0.0.1", "--prefix", "/nonexistent"}, 1, "no RRD files"},
	}
	for _, tt := range tests {
		code, _, errs := runCmd(t, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errs, tt.code, tt.msg)
		}
	}
}

// TestForwardCommand_MetricPrefixFromSettings: "rogue forward" sends under
// the names the app sends (its settings' metric prefix, a new install's
// per-machine one) unless --metric-prefix says otherwise, and refuses a
// prefix Grok cannot parse, naming the character.
func TestForwardCommand_MetricPrefixFromSettings(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	s := defaultSettings()
	s.MetricPrefix = "laptop"
	if err := s.save(filepath.Join(cfg, "rogue", settingsFile)); err != nil {
		t.Fatal(err)
	}
	prefix := t.TempDir()
	end := time.Now().Unix()/60*60 - 120
	makeSyncRRD(t, prefix, "CPUPercent", end, 3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, _ := io.ReadAll(c)
			c.Close()
			got <- string(b)
		}
	}()
	if code, out, errs := runCmd(t, "forward", "--server", ln.Addr().String(), "--prefix", prefix); code != 0 {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
	if text := <-got; strings.Count(text, "laptop.CPUPercent ") != 3 {
		t.Errorf("sent %q, want three laptop.CPUPercent lines", text)
	}
	code, _, errs := runCmd(t, "forward", "--server", ln.Addr().String(), "--prefix", prefix, "--metric-prefix", "lap\u00a0top")
	if code != 2 || !strings.Contains(errs, "U+00A0") {
		t.Errorf("a no-break space in --metric-prefix: exit %d, %q", code, errs)
	}
}
