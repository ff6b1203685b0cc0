package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// lastUpdate returns the last update time of an RRD file, zero when it
// cannot be read (yet).
func lastUpdate(path string) time.Time {
	f, err := rrd.Open(path)
	if err != nil {
		return time.Time{}
	}
	defer f.Close()
	t, _ := f.LastUpdate()
	return t
}

// rrdtoolFetch runs rrdtool fetch and returns the values of its rows by
// time stamp (NaN for unknown).
func rrdtoolFetch(t testing.TB, rrdtool, path string, start, end time.Time) map[int64]float64 {
	t.Helper()
	out, err := exec.Command(rrdtool, "fetch", path, "AVERAGE", "-s", fmt.Sprint(start.Unix()), "-e", fmt.Sprint(end.Unix())).CombinedOutput()
	if err != nil {
		t.Fatalf("rrdtool fetch %s: %v\n%s", path, err, out)
	}
	rows := map[int64]float64{}
	for _, line := range strings.Split(string(out), "\n") {
		ts, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		sec, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		if err != nil {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			v = math.NaN() // "-nan", "nan"
		}
		rows[sec] = v
	}
	return rows
}

// TestAgentCommandEndToEnd runs the rogue binary's agent at a 1 s interval
// on a virtual X server for a few seconds, types into it, stops it with
// SIGINT and reads all 13 files back with rrdtool. Two files were made
// beforehand with rrdtool create exactly as numenta-rogue did; they must be
// continued, not replaced.
func TestAgentCommandEndToEnd(t *testing.T) {
	rrdtool := testpeer.Need(t, "rrdtool")
	xdotool := testpeer.Need(t, "xdotool")
	display := testpeer.Xvfb(t, "320x240x24")
	bin := rogueBinary(t)
	prefix := filepath.Join(t.TempDir(), "db")
	os.MkdirAll(prefix, 0o755)

	// As numenta-rogue's _rrdcreate: name[:19], its bounds, one archive.
	start := time.Now().Add(-time.Minute).Unix()
	oldFiles := map[string]string{
		"CPUPercent":           "DS:CPUPercent:GAUGE:600:0.0:100.0",
		"NetworkBytesReceived": "DS:NetworkBytesReceive:DERIVE:600:0:1000000",
	}
	for name, ds := range oldFiles {
		out, err := exec.Command(rrdtool, "create", filepath.Join(prefix, name+".rrd"),
			"--step", "1", "--start", fmt.Sprint(start), ds, "RRA:AVERAGE:0.5:1:4032").CombinedOutput()
		if err != nil {
			t.Fatalf("rrdtool create: %v\n%s", err, out)
		}
	}

	stderr := &testpeer.Buffer{}
	cmd := exec.Command(bin, "agent", "--prefix", prefix, "--interval", "1", "--hearbeat", "30", "-v")
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+t.TempDir(), "XAUTHORITY=")
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	exited := false
	t.Cleanup(func() {
		if !exited {
			cmd.Process.Kill()
			<-done
		}
	})
	ticks := func() int { return strings.Count(stderr.String(), "msg=tick ") }
	waitTicks := func(n int, what string) {
		t.Helper()
		want := ticks() + n
		testpeer.WaitFor(t, 30*time.Second, what, func() (bool, error) { return ticks() >= want, nil })
	}
	key := func(args ...string) {
		t.Helper()
		c := exec.Command(xdotool, args...)
		c.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v\n%s", args, err, out)
		}
	}
	waitTicks(1, "first tick")
	// The key tap connects in the background: press shift until it sees
	// keys, then count from the next tick on.
	for !strings.Contains(stderr.String(), "key events flowing") {
		key("key", "shift")
		waitTicks(1, "a tick after pressing shift")
	}
	waitTicks(1, "the tick after the key tap works")
	keyFile := filepath.Join(prefix, "KeyCount.rrd")
	first := lastUpdate(keyFile)
	const text = "rogue agent"
	key("type", "--delay", "40", text)
	waitTicks(2, "two ticks after typing")
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		exited = true
		if err != nil {
			t.Fatalf("rogue agent after SIGINT: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("rogue agent did not stop after SIGINT\n%s", stderr.String())
	}
	logs := stderr.String()
	if !strings.Contains(logs, "agent stopped") {
		t.Errorf("no 'agent stopped' in the log:\n%s", logs)
	}

	end := lastUpdate(keyFile)
	for _, m := range metric.All {
		path := filepath.Join(prefix, m.Name+".rrd")
		// Rows after first: one per tick, only the typed text in them.
		rows := rrdtoolFetch(t, rrdtool, path, first, end)
		for ts := range rows {
			if ts <= first.Unix() || ts > end.Unix() {
				delete(rows, ts)
			}
		}
		known := 0
		for _, v := range rows {
			if !math.IsNaN(v) {
				known++
			}
		}
		if known == 0 {
			t.Errorf("%s: rrdtool fetch shows no values: %v", m.Name, rows)
		}
		if m.Name == "KeyCount" {
			var sum float64
			for _, v := range rows {
				if !math.IsNaN(v) {
					sum += v
				}
			}
			if sum != float64(len(text)) {
				t.Errorf("KeyCount rows sum to %v, want %d: %v\n%s", sum, len(text), rows, logs)
			}
		}
	}
	for name := range oldFiles {
		out, err := exec.Command(rrdtool, "info", filepath.Join(prefix, name+".rrd")).CombinedOutput()
		if err != nil {
			t.Fatalf("rrdtool info: %v\n%s", err, out)
		}
		info := string(out)
		if !strings.Contains(info, "rra[0].rows = 4032") || strings.Contains(info, "rra[1]") {
			t.Errorf("%s.rrd was not continued as the old tool made it:\n%s", name, info)
		}
		if strings.Contains(logs, "created file="+filepath.Join(prefix, name+".rrd")) {
			t.Errorf("%s.rrd was created anew:\n%s", name, logs)
		}
	}
	if !strings.Contains(logs, "--maximum NetworkBytesReceive:U") {
		t.Errorf("no hint about the old DERIVE maximum:\n%s", logs)
	}
	// The new files got the heartbeat given with the old flag spelling.
	out, _ := exec.Command(rrdtool, "info", keyFile).CombinedOutput()
	if !strings.Contains(string(out), "minimal_heartbeat = 30") {
		t.Errorf("--hearbeat 30 not applied:\n%s", out)
	}
}

func TestAgentCommandFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	t.Setenv("DISPLAY", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"Help", []string{"-h"}, 0, "-hearbeat seconds"},
		{"ZeroInterval", []string{"--interval", "0"}, 2, "--interval must be at least 1"},
		{"NotANumber", []string{"--interval", "fast"}, 2, "invalid value"},
		{"NegativeHeartbeat", []string{"--heartbeat", "-5"}, 2, "--heartbeat must be at least 1"},
		{"UnknownFlag", []string{"--server", "x"}, 2, "flag provided but not defined"},
		{"ExtraArgument", []string{"now"}, 2, "unexpected argument"},
		{"UnwritablePrefix", []string{"--prefix", filepath.Join(file, "db")}, 2, "cannot create prefix"},
		{"OldHeartbeatSpelling", []string{"--prefix", t.TempDir(), "--hearbeat", "1200"}, 0, "agent stopped"},
		{"DefaultPrefix", []string{}, 0, "agent stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(canceled, append([]string{"agent"}, tt.args...), stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
			if code != tt.code || !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("exit %d, want %d; stderr want %q:\n%s", code, tt.code, tt.stderr, errb.String())
			}
		})
	}
	// The default prefix is the data folder's db.
	p, _ := defaultPrefix()
	if _, err := os.Stat(filepath.Join(p, "CPUPercent.rrd")); err != nil {
		t.Errorf("no files in the default prefix %s: %v", p, err)
	}
}
