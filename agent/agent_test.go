package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// syncBuffer collects the agent's logs, written from several goroutines.
type syncBuffer struct{ testpeer.Buffer }

// count returns how many log lines contain every one of parts.
func (s *syncBuffer) count(parts ...string) int {
	n := 0
	for _, line := range strings.Split(s.String(), "\n") {
		ok := line != ""
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			n++
		}
	}
	return n
}

// failingTap is a KeyTap that always fails with err.
type failingTap struct{ err error }

func (f failingTap) Run(ctx context.Context, events chan<- KeyEvent) error { return f.err }

// fakeClock is a settable clock for driving ticks by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// newTestAgent makes an agent on a temporary prefix with a capturing
// debug logger and a tap that reports no display.
func newTestAgent(tb testing.TB, cfg Config) (*Agent, *syncBuffer) {
	tb.Helper()
	logs := &syncBuffer{}
	if cfg.Prefix == "" {
		cfg.Prefix = filepath.Join(tb.TempDir(), "db")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.KeyTap == nil {
		cfg.KeyTap = failingTap{fmt.Errorf("test: %w", ErrNoDisplay)}
	}
	a, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { a.Close() })
	return a, logs
}

// fetchRows returns the full-resolution AVERAGE rows of a metric's file
// between from and to.
func fetchRows(tb testing.TB, prefix, name string, from, to time.Time) *rrd.Result {
	tb.Helper()
	f, err := rrd.Open(filepath.Join(prefix, name+".rrd"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	res, err := f.Fetch(rrd.Average, from, to, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// valueAt returns the row of res for time t.
func valueAt(res *rrd.Result, t time.Time) float64 {
	for i := range res.Rows {
		if res.Time(i).Equal(t) {
			return res.Rows[i][0]
		}
	}
	return math.NaN()
}

func TestNewRejectsBadConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"NoPrefix", Config{}},
		{"FractionalInterval", Config{Prefix: t.TempDir(), Interval: 1500 * time.Millisecond}},
		{"NegativeInterval", Config{Prefix: t.TempDir(), Interval: -time.Second}},
		{"FractionalHeartbeat", Config{Prefix: t.TempDir(), Heartbeat: 2500 * time.Millisecond}},
		{"PrefixUnderAFile", Config{Prefix: filepath.Join(file, "db")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.KeyTap = failingTap{ErrNoDisplay}
			tt.cfg.Logger = slog.New(slog.DiscardHandler)
			a, err := New(tt.cfg)
			if !errors.Is(err, ErrConfig) {
				if a != nil {
					a.Close()
				}
				t.Fatalf("New = %v, want ErrConfig", err)
			}
		})
	}
}

func TestNewCreatesEveryFileWithTheArchives(t *testing.T) {
	a, _ := newTestAgent(t, Config{Interval: 60 * time.Second, Heartbeat: 90 * time.Second})
	if a.heartbeat != 120*time.Second {
		t.Errorf("heartbeat = %v, want raised to 2 × interval = 120s", a.heartbeat)
	}
	for i, m := range metric.All {
		info, err := a.files[i].Info()
		if err != nil {
			t.Fatal(err)
		}
		if len(info.DS) != 1 || info.DS[0].Name != m.DSName() || info.DS[0].Type != m.Type || info.DS[0].Heartbeat != 120*time.Second {
			t.Errorf("%s: DS %+v", m.Name, info.DS)
		}
		if m.Type == rrd.Derive && (info.DS[0].Min != 0 || !math.IsNaN(info.DS[0].Max)) {
			t.Errorf("%s: DERIVE bounds %v..%v, want 0..U", m.Name, info.DS[0].Min, info.DS[0].Max)
		}
		want := []rrd.RRA{
			{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: 20160},
			{CF: rrd.Average, XFF: 0.5, Steps: 60, Rows: 8760},
			{CF: rrd.Max, XFF: 0.5, Steps: 60, Rows: 8760},
		}
		for j, r := range info.RRA {
			if j >= len(want) || r.RRA != want[j] {
				t.Errorf("%s: RRA %d = %+v, want %+v", m.Name, j, r.RRA, want)
			}
		}
	}
	if got := filepath.Base(a.files[metricIndex("NetworkBytesReceived")].Path()); got != "NetworkBytesReceived.rrd" {
		t.Errorf("file name %s", got)
	}
}

// TestTicksWriteEveryMetric drives ticks with a fake clock and checks what
// reached the files and the snapshot.
func TestTicksWriteEveryMetric(t *testing.T) {
	a, logs := newTestAgent(t, Config{Interval: 10 * time.Second})
	clock := &fakeClock{}
	a.now = clock.now
	t0 := time.Now().Truncate(10 * time.Second).Add(20 * time.Second)
	clock.set(t0.Add(-7 * time.Second))
	a.prime()
	for i := range 3 {
		clock.set(t0.Add(time.Duration(i)*10*time.Second + 3*time.Millisecond))
		a.tick()
	}
	last := t0.Add(20 * time.Second)
	for _, m := range metric.All {
		res := fetchRows(t, a.cfg.Prefix, m.Name, t0, last)
		v := valueAt(res, last)
		switch {
		case strings.HasPrefix(m.Name, "Key"):
			if !math.IsNaN(v) {
				t.Errorf("%s = %v without a key tap, want unknown", m.Name, v)
			}
		case m.Name == "CPUPercent" && math.IsNaN(v):
			// The fake clock ticks faster than the kernel's CPU counters
			// move; no time passed is unknown, which is right.
		case math.IsNaN(v):
			t.Errorf("%s unknown at %v; rows %v", m.Name, last, res.Rows)
		case m.Name == "CPUPercent" || m.Name == "MemoryPercent":
			if v < 0 || v > 100 {
				t.Errorf("%s = %v", m.Name, v)
			}
		case v < 0:
			t.Errorf("%s = %v, a negative rate", m.Name, v)
		}
	}
	snap := a.Snapshot()
	if !snap.Time.Equal(last) {
		t.Errorf("snapshot time %v, want %v", snap.Time, last)
	}
	for i, s := range snap.Series {
		if s.Metric.Name != metric.All[i].Name || len(s.History) != 3 {
			t.Errorf("series %d: %s with %d history values", i, s.Metric.Name, len(s.History))
		}
		if h := s.History[len(s.History)-1]; !(math.IsNaN(h) && math.IsNaN(s.Latest)) && h != s.Latest {
			t.Errorf("%s: latest %v is not the last history value %v", s.Metric.Name, s.Latest, h)
		}
	}
	if mem := snap.Series[metricIndex("MemoryPercent")].Latest; !(mem > 0 && mem < 100) {
		t.Errorf("live MemoryPercent = %v", mem)
	}
	if snap.Keys.Flowing || !errors.Is(snap.Keys.Err, ErrNoDisplay) && snap.Keys.Err == nil {
		t.Errorf("key status %+v without a tap run", snap.Keys)
	}
	if n := logs.count("level=WARN"); n != 0 {
		t.Errorf("%d warnings:\n%s", n, logs)
	}
}

// TestClockGoingBackSkipsSamples: a tick not after the previous one, and a
// sample not newer than a file's last update, are skipped with a debug
// log; nothing is written and nothing fails.
func TestClockGoingBackSkipsSamples(t *testing.T) {
	a, logs := newTestAgent(t, Config{Interval: 10 * time.Second})
	clock := &fakeClock{}
	a.now = clock.now
	t0 := time.Now().Truncate(10 * time.Second).Add(30 * time.Second)
	clock.set(t0)
	a.tick()
	clock.set(t0.Add(-25 * time.Second)) // clock stepped back
	a.tick()
	if n := logs.count("level=DEBUG", "tick skipped"); n != 1 {
		t.Errorf("%d 'tick skipped' debug lines, want 1:\n%s", n, logs)
	}
	a.Close()

	// A new agent (fresh process) with the clock behind the files.
	b, logs2 := newTestAgent(t, Config{Prefix: a.cfg.Prefix, Interval: 10 * time.Second})
	b.now = clock.now
	b.tick()
	if n := logs2.count("level=DEBUG", "sample skipped"); n != len(metric.All) {
		t.Errorf("%d 'sample skipped' debug lines, want %d:\n%s", n, len(metric.All), logs2)
	}
	if n := logs2.count("level=WARN"); n != 0 {
		t.Errorf("warnings for a clock going back:\n%s", logs2)
	}
	last, err := b.files[0].LastUpdate()
	if err != nil || !last.Equal(t0) {
		t.Errorf("last update %v (%v), want %v untouched", last, err, t0)
	}
	// Time catches up: samples are written again.
	clock.set(t0.Add(10 * time.Second))
	b.tick()
	if last, _ := b.files[0].LastUpdate(); !last.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("last update %v after the clock caught up", last)
	}
}

// TestFailingCollectorLogsOnStartAndClear: a collector failing for several
// ticks logs once when it starts and once when it clears, and the other
// metrics keep their values.
func TestFailingCollectorLogsOnStartAndClear(t *testing.T) {
	a, logs := newTestAgent(t, Config{Interval: 10 * time.Second})
	fail := true
	a.collectors[1].collect = func(ctx context.Context, out []reading) error {
		if fail {
			return errors.New("meminfo unreadable")
		}
		out[0] = gauge(42)
		return nil
	}
	clock := &fakeClock{}
	a.now = clock.now
	t0 := time.Now().Truncate(10 * time.Second).Add(10 * time.Second)
	a.prime()
	for i := range 6 {
		fail = i < 4
		clock.set(t0.Add(time.Duration(i) * 10 * time.Second))
		a.tick()
	}
	if n := logs.count("level=WARN", "failing", "source=memory", "meminfo unreadable"); n != 1 {
		t.Errorf("%d 'failing' lines for memory, want 1:\n%s", n, logs)
	}
	if n := logs.count("level=INFO", "recovered", "source=memory"); n != 1 {
		t.Errorf("%d 'recovered' lines for memory, want 1:\n%s", n, logs)
	}
	res := fetchRows(t, a.cfg.Prefix, "MemoryPercent", t0, t0.Add(50*time.Second))
	if v := valueAt(res, t0.Add(30*time.Second)); !math.IsNaN(v) {
		t.Errorf("MemoryPercent while failing = %v, want unknown", v)
	}
	if v := valueAt(res, t0.Add(50*time.Second)); v != 42 {
		t.Errorf("MemoryPercent after recovery = %v, want 42", v)
	}
	disk := fetchRows(t, a.cfg.Prefix, "DiskReadBytes", t0, t0.Add(50*time.Second))
	if v := valueAt(disk, t0.Add(30*time.Second)); math.IsNaN(v) {
		t.Errorf("DiskReadBytes unknown while memory failed: %v", disk.Rows)
	}
}

// TestSlowCollectorDoesNotDelayOthers: a collector that hangs past the
// deadline leaves its metric unknown, the tick completes with the other
// values, and the hung collector is not started again until it returns.
func TestSlowCollectorDoesNotDelayOthers(t *testing.T) {
	a, logs := newTestAgent(t, Config{Interval: 2 * time.Second})
	release := make(chan struct{})
	var calls atomic.Int32
	a.collectors[1].collect = func(ctx context.Context, out []reading) error {
		calls.Add(1)
		<-release
		out[0] = gauge(1)
		return nil
	}
	clock := &fakeClock{}
	a.now = clock.now
	t0 := time.Now().Truncate(2 * time.Second).Add(4 * time.Second)
	clock.set(t0)
	a.tick() // returns after the deadline (1 s) although memory hangs
	clock.set(t0.Add(2 * time.Second))
	a.tick()
	close(release)
	if n := calls.Load(); n != 1 {
		t.Errorf("hung collector called %d times, want 1", n)
	}
	res := fetchRows(t, a.cfg.Prefix, "MemoryPercent", t0, t0.Add(2*time.Second))
	if v := valueAt(res, t0); !math.IsNaN(v) {
		t.Errorf("MemoryPercent = %v from a hung collector", v)
	}
	disk := fetchRows(t, a.cfg.Prefix, "DiskReadBytes", t0, t0.Add(2*time.Second))
	if v := valueAt(disk, t0.Add(2*time.Second)); math.IsNaN(v) {
		t.Errorf("DiskReadBytes unknown while memory hung: %v", disk.Rows)
	}
	if n := logs.count("level=WARN", "source=memory"); n != 2 {
		t.Errorf("%d warnings for memory (timeout, then busy), want 2:\n%s", n, logs)
	}
}

// TestExistingFileIsContinued: a file the old tool made with rrdtool
// create (one archive, DS name cut to 19 characters, old DERIVE maximum)
// is continued, not replaced, and the maximum is pointed out.
func TestExistingFileIsContinued(t *testing.T) {
	rrdtool := testpeer.Need(t, "rrdtool")
	prefix := t.TempDir()
	start := time.Now().Truncate(10 * time.Second).Add(-100 * time.Second)
	run := func(args ...string) {
		t.Helper()
		if out, err := execCommand(rrdtool, args...); err != nil {
			t.Fatalf("rrdtool %v: %v\n%s", args, err, out)
		}
	}
	// As numenta-rogue's _rrdcreate: --step, --start, DS:name[:19]:..., one RRA.
	recv := filepath.Join(prefix, "NetworkBytesReceived.rrd")
	run("create", recv, "--step", "10", "--start", fmt.Sprint(start.Unix()),
		"DS:NetworkBytesReceive:DERIVE:600:0:1000000", "RRA:AVERAGE:0.5:1:4032")
	memFile := filepath.Join(prefix, "MemoryPercent.rrd")
	run("create", memFile, "--step", "10", "--start", fmt.Sprint(start.Unix()),
		"DS:MemoryPercent:GAUGE:600:0.0:100.0", "RRA:AVERAGE:0.5:1:4032")
	old := start.Add(10 * time.Second)
	run("update", memFile, fmt.Sprintf("%d:%d", old.Unix(), 37))

	a, logs := newTestAgent(t, Config{Prefix: prefix, Interval: 10 * time.Second})
	if n := logs.count("created", "MemoryPercent.rrd"); n != 0 {
		t.Errorf("MemoryPercent.rrd was created anew:\n%s", logs)
	}
	if n := logs.count("level=WARN", "NetworkBytesReceived.rrd", "maximum", "NetworkBytesReceive:U"); n != 1 {
		t.Errorf("no warning about the old DERIVE maximum:\n%s", logs)
	}
	clock := &fakeClock{}
	a.now = clock.now
	t1 := time.Now().Truncate(10 * time.Second).Add(10 * time.Second)
	a.prime()
	clock.set(t1)
	a.tick()
	clock.set(t1.Add(10 * time.Second))
	a.tick()
	a.Close()

	info, err := rrdInfo(memFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.RRA) != 1 || info.RRA[0].Rows != 4032 || !info.LastUpdate.Equal(t1.Add(10*time.Second)) {
		t.Errorf("MemoryPercent.rrd: %d archives, last update %v", len(info.RRA), info.LastUpdate)
	}
	res := fetchRows(t, prefix, "MemoryPercent", old.Add(-10*time.Second), t1.Add(10*time.Second))
	if v := valueAt(res, old); v != 37 {
		t.Errorf("old value = %v, want 37 kept", v)
	}
	if v := valueAt(res, t1.Add(10*time.Second)); math.IsNaN(v) {
		t.Errorf("no new value appended: %v", res.Rows)
	}
	recvRes := fetchRows(t, prefix, "NetworkBytesReceived", t1, t1.Add(10*time.Second))
	if len(recvRes.DS) != 1 || recvRes.DS[0] != "NetworkBytesReceive" {
		t.Errorf("data sources %v", recvRes.DS)
	}
}

func TestResetRemovesAndSaysWhat(t *testing.T) {
	a, _ := newTestAgent(t, Config{Interval: 10 * time.Second})
	prefix := a.cfg.Prefix
	a.Close()
	keep := filepath.Join(prefix, "CPUPercent.pos")
	os.WriteFile(keep, []byte("123\n"), 0o644)
	_, logs := newTestAgent(t, Config{Prefix: prefix, Interval: 10 * time.Second, Reset: true})
	for _, m := range metric.All {
		if n := logs.count("reset: removed", m.Name+".rrd"); n != 1 {
			t.Errorf("%s: %d 'removed' lines:\n%s", m.Name, n, logs)
		}
		if n := logs.count("created", m.Name+".rrd"); n != 1 {
			t.Errorf("%s not created again:\n%s", m.Name, logs)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("reset removed a file that is not an RRD: %v", err)
	}
}

// TestBadFileIsSetAside: one garbage, truncated or foreign file used to
// stop all 13 metrics. It is set aside under a .bad-<time> name (its bytes
// kept), a new file takes its place, the other files are untouched, and the
// log and the snapshot (for the menu) say so.
func TestBadFileIsSetAside(t *testing.T) {
	for _, tt := range []struct {
		name   string
		make   func(t *testing.T, path string)
		reason string
	}{
		{"Garbage", func(t *testing.T, path string) { os.WriteFile(path, []byte("not an rrd"), 0o600) }, "not a valid RRD"},
		{"Truncated", func(t *testing.T, path string) {
			good := filepath.Join(t.TempDir(), "x.rrd")
			if err := rrd.Create(good, rrd.Definition{Step: time.Minute, Start: time.Unix(1_764_000_000, 0),
				DS:  []rrd.DS{{Name: "KeyHold", Type: rrd.Gauge, Heartbeat: 10 * time.Minute, Min: math.NaN(), Max: math.NaN()}},
				RRA: []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: 4032}}}); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(good)
			os.WriteFile(path, b[:len(b)/2], 0o600)
		}, "not a valid RRD"},
		{"TwoDataSources", func(t *testing.T, path string) {
			os.Remove(path)
			if err := rrd.Create(path, rrd.Definition{Step: time.Minute, Start: time.Unix(1_764_000_000, 0),
				DS: []rrd.DS{{Name: "a", Type: rrd.Gauge, Heartbeat: 10 * time.Minute, Min: math.NaN(), Max: math.NaN()},
					{Name: "b", Type: rrd.Gauge, Heartbeat: 10 * time.Minute, Min: math.NaN(), Max: math.NaN()}},
				RRA: []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: 10}}}); err != nil {
				t.Fatal(err)
			}
		}, "2 data sources"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "db")
			a, _ := newTestAgent(t, Config{Prefix: prefix, Interval: time.Minute})
			a.Close()
			before := map[string][]byte{}
			for _, m := range metric.All {
				before[m.Name], _ = os.ReadFile(filepath.Join(prefix, m.Name+".rrd"))
			}
			path := filepath.Join(prefix, "KeyHold.rrd")
			tt.make(t, path)
			bad, _ := os.ReadFile(path)

			a, logs := newTestAgent(t, Config{Prefix: prefix, Interval: time.Minute})
			asides, _ := filepath.Glob(path + ".bad-*")
			if len(asides) != 1 {
				t.Fatalf("set aside: %v, want one KeyHold.rrd.bad-<time>", asides)
			}
			if b, _ := os.ReadFile(asides[0]); !bytes.Equal(b, bad) {
				t.Error("the file set aside does not hold the bad file's bytes")
			}
			f, err := rrd.Open(path)
			if err != nil {
				t.Fatalf("no new file in its place: %v", err)
			}
			if ds := f.Definition().DS; len(ds) != 1 || ds[0].Name != "KeyHold" {
				t.Errorf("new file's data sources %+v", ds)
			}
			f.Close()
			for _, m := range metric.All {
				if m.Name == "KeyHold" {
					continue
				}
				if b, _ := os.ReadFile(filepath.Join(prefix, m.Name+".rrd")); !bytes.Equal(b, before[m.Name]) {
					t.Errorf("%s.rrd changed", m.Name)
				}
			}
			if logs.count("set it aside", "KeyHold.rrd", tt.reason) != 1 {
				t.Errorf("log does not say what was set aside and why:\n%s", logs)
			}
			got := a.Snapshot().BadFiles
			if len(got) != 1 || got[0].Metric != "KeyHold" || got[0].Aside != asides[0] || !strings.Contains(got[0].Reason, tt.reason) {
				t.Errorf("snapshot BadFiles = %+v", got)
			}
		})
	}
}

// TestKeyTapFailureIsLoggedOnce: a tap that cannot run leaves the key
// metrics unknown, is retried, and says why once.
func TestKeyTapFailureIsLoggedOnce(t *testing.T) {
	defer func(min, max time.Duration) { tapRetryMin, tapRetryMax = min, max }(tapRetryMin, tapRetryMax)
	tapRetryMin, tapRetryMax = time.Millisecond, 2*time.Millisecond
	tap := &countingTap{err: fmt.Errorf("DISPLAY is not set: %w", ErrNoDisplay)}
	a, logs := newTestAgent(t, Config{Interval: 10 * time.Second, KeyTap: tap})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.runKeys(ctx); close(done) }()
	for tap.calls() < 5 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if n := logs.count("key events unavailable"); n != 1 {
		t.Errorf("%d lines about the key tap after %d tries, want 1:\n%s", n, tap.calls(), logs)
	}
	st := a.Snapshot().Keys
	if st.Flowing || !errors.Is(st.Err, ErrNoDisplay) {
		t.Errorf("key status %+v", st)
	}
	if v := a.flushKeys(time.Now()); !math.IsNaN(v.Count) {
		t.Errorf("KeyCount = %v without a tap, want unknown", v.Count)
	}
}

type countingTap struct {
	mu  sync.Mutex
	n   int
	err error
}

func (c *countingTap) Run(ctx context.Context, events chan<- KeyEvent) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.err
}

func (c *countingTap) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestNextTickAndSampleTime(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	step := 60 * time.Second
	for _, tt := range []struct {
		now, next, sample time.Time
	}{
		{base.Add(10 * time.Second), base.Add(step), base},
		{base, base.Add(step), base},
		{base.Add(5 * time.Millisecond), base.Add(step), base},
		{base.Add(-300 * time.Millisecond), base, base}, // clock stepped back a little
		{base.Add(58 * time.Second), base.Add(step), base},
		{base.Add(59500 * time.Millisecond), base.Add(step), base.Add(step)}, // timer a little early
	} {
		if got := nextTick(tt.now, step); !got.Equal(tt.next) {
			t.Errorf("nextTick(%v) = %v, want %v", tt.now, got, tt.next)
		}
		if got := sampleTime(tt.now, step); !got.Equal(tt.sample) {
			t.Errorf("sampleTime(%v) = %v, want %v", tt.now, got, tt.sample)
		}
	}
}

// recoveringTap fails a number of times, then sends one event and runs
// until its context ends.
type recoveringTap struct {
	mu    sync.Mutex
	fails int
	sent  chan struct{}
}

func (r *recoveringTap) Run(ctx context.Context, events chan<- KeyEvent) error {
	r.mu.Lock()
	if r.fails > 0 {
		r.fails--
		r.mu.Unlock()
		return fmt.Errorf("X server connection lost: %w", ErrNoDisplay)
	}
	r.mu.Unlock()
	events <- KeyEvent{Time: time.Now(), Down: true}
	close(r.sent)
	<-ctx.Done()
	return nil
}

func TestKeyTapRecoveryIsLoggedOnce(t *testing.T) {
	defer func(min, max time.Duration) { tapRetryMin, tapRetryMax = min, max }(tapRetryMin, tapRetryMax)
	tapRetryMin, tapRetryMax = time.Millisecond, 2*time.Millisecond
	tap := &recoveringTap{fails: 3, sent: make(chan struct{})}
	a, logs := newTestAgent(t, Config{Interval: 10 * time.Second, KeyTap: tap})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.runKeys(ctx); close(done) }()
	<-tap.sent
	waitUntil := time.Now().Add(10 * time.Second)
	for a.Snapshot().Keys.LastEvent.IsZero() && time.Now().Before(waitUntil) {
		time.Sleep(time.Millisecond)
	}
	st := a.Snapshot().Keys
	v := a.flushKeys(time.Now())
	cancel()
	<-done
	if n := logs.count("level=WARN", "key events unavailable"); n != 1 {
		t.Errorf("%d warnings for 3 identical failures, want 1:\n%s", n, logs)
	}
	if n := logs.count("level=INFO", "key events flowing"); n != 1 {
		t.Errorf("%d 'flowing' lines after recovery, want 1:\n%s", n, logs)
	}
	if !st.Flowing || st.Err != nil || st.LastEvent.IsZero() {
		t.Errorf("key status after recovery: %+v", st)
	}
	if v.Count != 1 {
		t.Errorf("KeyCount after recovery = %v, want 1", v.Count)
	}
}

// grantingTap fails for want of access until granted is closed, and
// implements accessWaiter the way the macOS tap does.
type grantingTap struct {
	countingTap
	granted chan struct{}
}

func (g *grantingTap) Run(ctx context.Context, events chan<- KeyEvent) error {
	g.countingTap.Run(ctx, events)
	select {
	case <-g.granted:
		<-ctx.Done()
		return nil
	default:
		return fmt.Errorf("not trusted for Accessibility: %w", ErrKeyAccess)
	}
}

func (g *grantingTap) Retry(ctx context.Context) <-chan struct{} { return g.granted }

func TestKeyTapRestartsWhenAccessIsGranted(t *testing.T) {
	defer func(min, max time.Duration) { tapRetryMin, tapRetryMax = min, max }(tapRetryMin, tapRetryMax)
	tapRetryMin, tapRetryMax = time.Hour, time.Hour // only the grant can bring a retry
	tap := &grantingTap{granted: make(chan struct{})}
	a, _ := newTestAgent(t, Config{Interval: 10 * time.Second, KeyTap: tap})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.runKeys(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(10 * time.Second)
	for tap.calls() < 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if n := tap.calls(); n != 1 {
		t.Fatalf("tap started %d times before access was granted, want 1", n)
	}
	close(tap.granted)
	for tap.calls() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := tap.calls(); n != 2 {
		t.Fatalf("tap started %d times after access was granted, want 2 (restart at once)", n)
	}
}

// TestTickFollowsFileReplacedUnderRunningAgent checks that samples go to the
// file at the metric's path after that file was removed or replaced while
// the agent runs (rrdtool create, a restored backup, another agent's
// --reset), not into the old file no longer in the folder.
func TestTickFollowsFileReplacedUnderRunningAgent(t *testing.T) {
	for _, tt := range []struct {
		name    string
		metric  string
		replace func(t *testing.T, a *Agent, path string, t0 time.Time)
	}{
		{"Removed", "MemoryPercent", func(t *testing.T, a *Agent, path string, t0 time.Time) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"ReplacedByRename", "CPUPercent", func(t *testing.T, a *Agent, path string, t0 time.Time) {
			tmp := filepath.Join(t.TempDir(), "new.rrd")
			m, _ := metric.Lookup("CPUPercent")
			if err := rrd.Create(tmp, a.definition(m, t0.Add(-time.Second))); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, logs := newTestAgent(t, Config{Interval: 10 * time.Second})
			clock := &fakeClock{}
			a.now = clock.now
			t0 := time.Now().Truncate(10 * time.Second).Add(20 * time.Second)
			clock.set(t0.Add(-7 * time.Second))
			a.prime()
			clock.set(t0.Add(3 * time.Millisecond))
			a.tick()
			path := filepath.Join(a.cfg.Prefix, tt.metric+".rrd")
			tt.replace(t, a, path, t0)
			clock.set(t0.Add(10*time.Second + 3*time.Millisecond))
			a.tick()

			f, err := rrd.Open(path)
			if err != nil {
				t.Fatalf("after the tick: %v", err)
			}
			defer f.Close()
			last, err := f.LastUpdate()
			if err != nil {
				t.Fatal(err)
			}
			if want := t0.Add(10 * time.Second); !last.Equal(want) {
				t.Errorf("file at the path last updated %v, want %v (the tick went elsewhere)", last, want)
			}
			if !strings.Contains(logs.String(), "replaced or removed") {
				t.Errorf("no warning logged:\n%s", logs)
			}
		})
	}
}

// TestClockFarBehindFilesIsReported: after the clock ran ahead and was set
// back by more than the heartbeat, the files refuse samples until the clock
// catches up. The agent must say so (once), and keep the live values going,
// instead of skipping every tick silently for hours.
func TestClockFarBehindFilesIsReported(t *testing.T) {
	for _, tt := range []struct {
		name     string
		back     time.Duration
		wantWarn bool
	}{
		{"WithinHeartbeat", 25 * time.Second, false},
		{"TwoHours", 2 * time.Hour, true},
		{"OneYear", 365 * 24 * time.Hour, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, logs := newTestAgent(t, Config{Interval: 10 * time.Second})
			clock := &fakeClock{}
			a.now = clock.now
			t0 := time.Now().Truncate(10 * time.Second).Add(30 * time.Second)
			clock.set(t0)
			a.tick()
			back := t0.Add(-tt.back)
			for i := range 3 {
				clock.set(back.Add(time.Duration(i) * 10 * time.Second))
				a.tick()
			}
			warns := logs.count("level=WARN", "later than the clock")
			switch {
			case tt.wantWarn && warns != len(metric.All):
				t.Errorf("%d warnings about the clock over three ticks, want one per file (%d):\n%s", warns, len(metric.All), logs)
			case !tt.wantWarn && warns != 0:
				t.Errorf("warnings for a small step back:\n%s", logs)
			}
			snap := a.Snapshot()
			if tt.wantWarn && !snap.Time.Equal(back.Add(20*time.Second)) {
				t.Errorf("live values stopped at %v, want the latest tick %v", snap.Time, back.Add(20*time.Second))
			}
			if last, _ := a.files[0].LastUpdate(); !last.Equal(t0) {
				t.Errorf("file's last update %v, want %v untouched", last, t0)
			}
		})
	}
}

// staleGrantTap behaves like the macOS tap when Rogue counts as trusted but
// CGEventTapCreate returns NULL: Run fails at once for want of access, and
// Retry reports access granted at once.
type staleGrantTap struct {
	countingTap
	granted chan struct{}
}

func (s *staleGrantTap) Run(ctx context.Context, events chan<- KeyEvent) error {
	s.countingTap.Run(ctx, events)
	return fmt.Errorf("CGEventTapCreate failed: %w", ErrKeyAccess)
}

func (s *staleGrantTap) Retry(ctx context.Context) <-chan struct{} { return s.granted }

// TestKeyTapStaleGrantBacksOff: a tap that reports access granted and then
// fails again at once is restarted once for the grant and then only on the
// back-off's schedule, not in a tight loop (the old code restarted such a
// tap some 200,000 times a second).
func TestKeyTapStaleGrantBacksOff(t *testing.T) {
	defer func(min, max time.Duration) { tapRetryMin, tapRetryMax = min, max }(tapRetryMin, tapRetryMax)
	tapRetryMin, tapRetryMax = time.Hour, time.Hour // only grants can bring a retry
	tap := &staleGrantTap{granted: make(chan struct{})}
	close(tap.granted)
	a, logs := newTestAgent(t, Config{Interval: 10 * time.Second, KeyTap: tap})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.runKeys(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for tap.calls() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a tight loop would restart it thousands of times here
	n := tap.calls()
	cancel()
	<-done
	if n != 2 {
		t.Errorf("tap started %d times, want 2 (the first try and one restart for the grant)", n)
	}
	if c := logs.count("key events unavailable"); c != 1 {
		t.Errorf("%d warnings, want 1:\n%s", c, logs)
	}
}
