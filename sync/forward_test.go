package sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"
)

// backlog makes RRDs for names under prefix at step, whose newest of n rows
// ends at end.
func backlog(t testing.TB, prefix string, names []string, step, end int64, n int) map[string]*testRRD {
	t.Helper()
	out := map[string]*testRRD{}
	for i, name := range names {
		r := makeRRD(t, prefix, name, step, end-int64(n-1)*step, n)
		r.add(t, wave(n, i)...)
		out[name] = r
	}
	return out
}

// sinkLines parses the lines a sink received into metric -> time -> value.
func sinkLines(t testing.TB, lines []string) map[string]map[int64]float64 {
	t.Helper()
	out := map[string]map[int64]float64{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 {
			t.Fatalf("bad line %q", l)
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			t.Fatalf("bad value in %q", l)
		}
		ts, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			t.Fatalf("bad time in %q", l)
		}
		if out[f[0]] == nil {
			out[f[0]] = map[int64]float64{}
		}
		out[f[0]][ts] = v
	}
	return out
}

func readPos(t testing.TB, prefix, name string, tg Target) string {
	t.Helper()
	b, err := os.ReadFile(CursorPath(prefix, name, tg))
	if errors.Is(err, os.ErrNotExist) {
		return "(none)"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testForwarder(t testing.TB, prefix, addr string, names []string, timeout time.Duration, log *bytes.Buffer) *Forwarder {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	f, err := NewForwarder(ForwardConfig{Prefix: prefix, Server: host, Port: p, Metrics: names, Timeout: timeout, Logger: testLogger(log)})
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeClock{t: time.Now()}
	f.now = c.now
	clocks.Store(f, c)
	return f
}

// fakeClock is a forwarder's clock in tests: it stands still until
// advanced, so that confirming by the overlap needs no waiting.
type fakeClock struct {
	mu gosync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

var clocks gosync.Map // *Forwarder -> *fakeClock

// settle moves f's clock past the settle time: the next successful forward
// confirms what the previous ones sent.
func settle(f *Forwarder) {
	c, _ := clocks.Load(f)
	fc := c.(*fakeClock)
	fc.mu.Lock()
	fc.t = fc.t.Add(f.config().Settle)
	fc.mu.Unlock()
}

var testNames = []string{"CPUPercent", "KeyHold", "DiskReadBytes"}

func TestForward_SendsBacklogThenOnlyNewRows(t *testing.T) {
	prefix := t.TempDir()
	rrds := backlog(t, prefix, testNames, 60, 1_764_000_000, 500)
	s := newSink(t, nil)
	f := testForwarder(t, prefix, s.addr(), append(testNames, "KeySpeed"), 5*time.Second, nil) // no KeySpeed.rrd: skipped

	want := 0
	for _, r := range rrds {
		want += len(r.vals)
	}
	sent, err := f.ForwardOnce(context.Background())
	if err != nil || sent != want {
		t.Fatalf("ForwardOnce = %d, %v; want %d", sent, err, want)
	}
	got := sinkLines(t, <-s.lines)
	for name, r := range rrds {
		if len(got[name]) != len(r.vals) {
			t.Fatalf("%s: %d points arrived, want %d", name, len(got[name]), len(r.vals))
		}
		for ts, v := range r.stored(t) {
			if got[name][ts] != v {
				t.Fatalf("%s at %d: got %v want %v", name, ts, got[name][ts], v)
			}
		}
		if p := readPos(t, prefix, name, Grok); p != "(none)" {
			t.Fatalf("%s.pos = %q after one connection; nothing is confirmed yet", name, p)
		}
	}
	st := f.Status()
	if st.Sent != want || st.Resent != 0 || st.Pending != 0 || st.LastErr != nil || st.LastSuccess.IsZero() {
		t.Fatalf("status %+v", st)
	}

	// Soon after: the rows go out again, but one connection right after
	// the other confirms nothing.
	if sent, err := f.ForwardOnce(context.Background()); err != nil || sent != want {
		t.Fatalf("second ForwardOnce = %d, %v; want the %d again", sent, err, want)
	}
	if got := sinkLines(t, <-s.lines); len(got["CPUPercent"]) != len(rrds["CPUPercent"].vals) {
		t.Fatalf("second connection carried %d CPUPercent points", len(got["CPUPercent"]))
	}
	if p := readPos(t, prefix, "CPUPercent", Grok); p != "(none)" {
		t.Fatalf("cursor moved to %s without a later connection", p)
	}
	// Later: the overlap confirms them and the cursors move.
	settle(f)
	if sent, err := f.ForwardOnce(context.Background()); err != nil || sent != want {
		t.Fatalf("third ForwardOnce = %d, %v; want the %d again", sent, err, want)
	}
	<-s.lines
	for name, r := range rrds {
		if p := readPos(t, prefix, name, Grok); p != strconv.FormatInt(r.last(), 10) {
			t.Fatalf("%s.pos = %q, want %d", name, p, r.last())
		}
	}
	st = f.Status()
	if st.Sent != 3*want || st.Resent != 2*want || st.Pending != 0 || st.LastErr != nil {
		t.Fatalf("status %+v", st)
	}

	// Nothing new: no connection at all.
	if sent, err := f.ForwardOnce(context.Background()); err != nil || sent != 0 {
		t.Fatalf("fourth ForwardOnce = %d, %v", sent, err)
	}
	select {
	case l := <-s.lines:
		t.Fatalf("an empty forward connected and sent %d lines", len(l))
	default:
	}

	// New rows: only they are sent.
	r := rrds["CPUPercent"]
	r.add(t, 1.25, 2.5, math.NaN(), 3.75)
	sent, err = f.ForwardOnce(context.Background())
	if err != nil || sent != 3 {
		t.Fatalf("third ForwardOnce = %d, %v; want 3", sent, err)
	}
	lines := <-s.lines
	wantLines := []string{
		fmt.Sprintf("CPUPercent 1.25 %d", r.last()-180),
		fmt.Sprintf("CPUPercent 2.5 %d", r.last()-120),
		fmt.Sprintf("CPUPercent 3.75 %d", r.last()),
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Fatalf("got %q, want %q", lines, wantLines)
	}
	// The next forward, settled, carries them again and confirms them.
	settle(f)
	if sent, err := f.ForwardOnce(context.Background()); err != nil || sent != 3 {
		t.Fatalf("confirming ForwardOnce = %d, %v; want 3", sent, err)
	}
	if lines := <-s.lines; strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Fatalf("overlap %q, want %q", lines, wantLines)
	}
	if p := readPos(t, prefix, "CPUPercent", Grok); p != strconv.FormatInt(r.last(), 10) {
		t.Fatalf("CPUPercent.pos = %q, want %d", p, r.last())
	}
}

func TestForward_MetricPrefix(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "KeyCount", 60, 1_764_000_000, 10)
	r.add(t, 1, 2)
	s := newSink(t, nil)
	f := testForwarder(t, prefix, s.addr(), []string{"KeyCount"}, 5*time.Second, nil)
	cfg := f.config()
	cfg.MetricPrefix = "rogue.laptop"
	f.SetConfig(cfg)
	if _, err := f.ForwardOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := <-s.lines
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "rogue.laptop.KeyCount 1 ") {
		t.Fatalf("lines %q", lines)
	}
}

func TestForward_HonoursOldCursor(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "MemoryPercent", 60, 1_764_000_000, 100)
	r.add(t, wave(50, 0)...)
	// numenta-rogue left this: the time of the 40th row, no newline.
	os.WriteFile(CursorPath(prefix, "MemoryPercent", Grok), []byte(strconv.FormatInt(r.all[39], 10)), 0o644)
	s := newSink(t, nil)
	f := testForwarder(t, prefix, s.addr(), []string{"MemoryPercent"}, 5*time.Second, nil)
	if _, err := f.ForwardOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := sinkLines(t, <-s.lines)["MemoryPercent"]
	want := 0
	for _, ts := range r.all[40:] {
		if _, ok := r.vals[ts]; ok {
			want++
			if _, ok := got[ts]; !ok {
				t.Fatalf("row %d after the cursor not sent", ts)
			}
		}
	}
	if len(got) != want {
		t.Fatalf("sent %d rows, want the %d after the cursor", len(got), want)
	}
}

func TestForward_CorruptCursorStartsAtRetention(t *testing.T) {
	prefix := t.TempDir()
	// 30 rows written into an archive of 20: the first 10 fell out.
	r := makeRRD(t, prefix, "KeyCount", 60, 1_764_000_000, 20)
	r.add(t, wave(30, 0)...)
	os.WriteFile(CursorPath(prefix, "KeyCount", Grok), []byte("\x00\x00garbage"), 0o644)
	var log bytes.Buffer
	s := newSink(t, nil)
	f := testForwarder(t, prefix, s.addr(), []string{"KeyCount"}, 5*time.Second, &log)
	if _, err := f.ForwardOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := sinkLines(t, <-s.lines)["KeyCount"]
	want := 0
	for _, ts := range r.all[10:] {
		if _, ok := r.vals[ts]; ok {
			want++
		}
	}
	if len(got) != want || got[r.all[10]] != r.vals[r.all[10]] {
		t.Fatalf("sent %d rows starting %v, want the %d rows of the retention", len(got), got[r.all[10]], want)
	}
	if !strings.Contains(log.String(), "corrupt cursor") {
		t.Fatalf("corrupt cursor not reported: %s", log.String())
	}
	settle(f)
	if _, err := f.ForwardOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := readPos(t, prefix, "KeyCount", Grok); p != strconv.FormatInt(r.last(), 10) {
		t.Fatalf("cursor not repaired: %q", p)
	}
}

func TestForward_CursorLaterThanRRDResendsRetention(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "KeyCount", 60, 1_764_000_000, 20)
	r.add(t, 1, 2, 3)
	// The file was recreated (rogue agent --reset) after a forward of later
	// rows: its rows were never sent.
	os.WriteFile(CursorPath(prefix, "KeyCount", Grok), []byte(strconv.FormatInt(r.last()+86400, 10)), 0o644)
	var log bytes.Buffer
	s := newSink(t, nil)
	f := testForwarder(t, prefix, s.addr(), []string{"KeyCount"}, 5*time.Second, &log)
	if sent, err := f.ForwardOnce(context.Background()); err != nil || sent != 3 {
		t.Fatalf("ForwardOnce = %d, %v; want 3", sent, err)
	}
	if !strings.Contains(log.String(), "later than the RRD") {
		t.Fatalf("not reported: %s", log.String())
	}
}

// TestForward_ServerNeverCloses: the server reads everything but never
// confirms by closing; the forward times out and no cursor moves.
func TestForward_ServerNeverCloses(t *testing.T) {
	prefix := t.TempDir()
	backlog(t, prefix, testNames, 60, 1_764_000_000, 100)
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	s := newSink(t, func(c net.Conn) { io.Copy(io.Discard, c); <-hold; c.Close() })
	f := testForwarder(t, prefix, s.addr(), testNames, 300*time.Millisecond, nil)
	_, err := f.ForwardOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not confirm") {
		t.Fatalf("err = %v", err)
	}
	for _, n := range testNames {
		if p := readPos(t, prefix, n, Grok); p != "(none)" {
			t.Fatalf("%s cursor moved to %s", n, p)
		}
	}
	st := f.Status()
	if st.LastErr == nil || st.Pending == 0 || st.Sent != 0 {
		t.Fatalf("status %+v", st)
	}
}

// TestForward_CancelledMidSendLosesNothing: the forward is interrupted while
// writing; no cursor moves and the next run delivers everything.
func TestForward_CancelledMidSendLosesNothing(t *testing.T) {
	prefix := t.TempDir()
	rrds := backlog(t, prefix, testNames, 60, 1_764_000_000, 20000)
	started := make(chan struct{})
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	stalled := newSink(t, func(c net.Conn) {
		// Read a little, then stall: the sender blocks mid-write.
		io.CopyN(io.Discard, c, 4096)
		close(started)
		<-hold
		c.Close()
	})
	f := testForwarder(t, prefix, stalled.addr(), testNames, time.Minute, nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := f.ForwardOnce(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	for _, n := range testNames {
		if p := readPos(t, prefix, n, Grok); p != "(none)" {
			t.Fatalf("%s cursor moved to %s", n, p)
		}
	}
	s := newSink(t, nil)
	f = testForwarder(t, prefix, s.addr(), testNames, 10*time.Second, nil)
	if _, err := f.ForwardOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := sinkLines(t, <-s.lines)
	for name, r := range rrds {
		if len(got[name]) != len(r.vals) {
			t.Fatalf("%s: %d of %d points arrived", name, len(got[name]), len(r.vals))
		}
	}
}

// TestMain lets a test run a forward or an export in a child process that
// it can kill or measure.
func TestMain(m *testing.M) {
	if mode := os.Getenv("ROGUE_SYNC_CHILD"); mode != "" {
		os.Exit(child(mode))
	}
	os.Exit(m.Run())
}

func child(mode string) int {
	prefix := os.Getenv("ROGUE_SYNC_PREFIX")
	var err error
	switch mode {
	case "forward":
		port, _ := strconv.Atoi(os.Getenv("ROGUE_SYNC_PORT"))
		var f *Forwarder
		f, err = NewForwarder(ForwardConfig{Prefix: prefix, Server: "127.0.0.1", Port: port, Timeout: time.Minute})
		if err == nil {
			_, err = f.ForwardOnce(context.Background())
		}
	case "export-append":
		_, err = ExportAppend(context.Background(), prefix, nil)
	case "export-folder":
		_, err = ExportFolder(context.Background(), prefix, os.Getenv("ROGUE_SYNC_OUT"), time.Unix(1, 0), time.Now(), nil)
	default:
		err = fmt.Errorf("unknown child mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The peak RSS of this process image (the parent's, before exec, does
	// not count here, unlike in the rusage of the child).
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmHWM:") {
				fmt.Println(l)
			}
		}
	}
	return 0
}

// TestForward_KilledMidSendLosesNothing: a forwarding process is SIGKILLed
// while the server is reading its lines; no cursor moved and the next run
// delivers every point.
func TestForward_KilledMidSendLosesNothing(t *testing.T) {
	prefix := t.TempDir()
	// ~7 MB of lines: more than loopback socket buffers hold, so the child
	// is still writing when it is killed.
	names := allMetricNames()[:8]
	rrds := backlog(t, prefix, names, 60, 1_764_000_000, 20000)
	reading := make(chan struct{})
	partial := make(chan []string, 1)
	s := newSink(t, func(c net.Conn) {
		defer c.Close()
		// Read slowly so that the child is still sending when killed.
		var got []byte
		buf := make([]byte, 1024)
		for i := 0; ; i++ {
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			if i == 4 {
				close(reading)
			}
			if err != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		partial <- strings.Split(strings.TrimSpace(string(got)), "\n")
	})
	_, port, _ := net.SplitHostPort(s.addr())
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ROGUE_SYNC_CHILD=forward", "ROGUE_SYNC_PREFIX="+prefix, "ROGUE_SYNC_PORT="+port)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reading:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the child never sent")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !st.Signaled() {
		t.Fatalf("child was not killed mid-send (it finished: %v)", err)
	}
	got := <-partial
	total := 0
	for _, r := range rrds {
		total += len(r.vals)
	}
	t.Logf("the server read %d of %d lines before the kill", len(got), total)
	if len(got) >= total {
		t.Logf("the server read all %d lines: the child was killed awaiting the confirmation", len(got))
	}
	for _, n := range names {
		if p := readPos(t, prefix, n, Grok); p != "(none)" {
			t.Fatalf("%s cursor moved to %s", n, p)
		}
	}
	// The next run delivers everything, including what the killed run sent.
	s2 := newSink(t, nil)
	f := testForwarder(t, prefix, s2.addr(), names, 10*time.Second, nil)
	if sent, err := f.ForwardOnce(context.Background()); err != nil || sent != total {
		t.Fatalf("ForwardOnce = %d, %v; want %d", sent, err, total)
	}
	all := sinkLines(t, <-s2.lines)
	for name, r := range rrds {
		if len(all[name]) != len(r.vals) {
			t.Fatalf("%s: %d of %d points after the restart", name, len(all[name]), len(r.vals))
		}
	}
}

// TestForwarder_RunBacksOffAndRecovers drives the in-process mode: a refused
// connection is reported with a retry time; a new server in SetConfig is
// tried at once.
func TestForwarder_RunBacksOffAndRecovers(t *testing.T) {
	prefix := t.TempDir()
	r := makeRRD(t, prefix, "KeyCount", 60, 1_764_000_000, 100)
	r.add(t, 1, 2, 3)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	f := testForwarder(t, prefix, dead, []string{"KeyCount"}, 2*time.Second, nil)

	trigger := runForwarder(t, f)

	trigger <- struct{}{}
	st := waitStatus(t, f, func(s Status) bool { return s.LastErr != nil && !s.NextRetry.IsZero() })
	if !strings.Contains(st.String(), "connection refused") || !strings.Contains(st.String(), "retrying in") || st.Pending != 3 {
		t.Fatalf("status %q %+v", st.String(), st)
	}
	if d := time.Until(st.NextRetry); d < backoffBase/2-time.Second || d > backoffBase {
		t.Fatalf("first retry in %v", d)
	}

	f.SetEnabled(false)
	if got := f.Status().String(); got != "Forwarding off" {
		t.Fatalf("disabled status %q", got)
	}
	f.SetEnabled(true)

	s := newSink(t, nil)
	cfg := f.config()
	host, port, _ := net.SplitHostPort(s.addr())
	cfg.Server = host
	cfg.Port, _ = strconv.Atoi(port)
	f.SetConfig(cfg)
	st = waitStatus(t, f, func(s Status) bool { return s.LastErr == nil && s.Sent-s.Resent == 3 })
	if !strings.HasPrefix(st.String(), "Sent just now · 0 pending") || !st.NextRetry.IsZero() {
		t.Fatalf("status %q %+v", st.String(), st)
	}
	if got := sinkLines(t, <-s.lines); len(got["KeyCount"]) != 3 {
		t.Fatalf("got %v", got)
	}
	f.SetConfig(ForwardConfig{Prefix: prefix, Server: ""})
	if got := f.Status().String(); got != "No server set — choose Grok Server…" {
		t.Fatalf("no-server status %q", got)
	}
}

func waitStatus(t testing.TB, f *Forwarder, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if s := f.Status(); ok(s) {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("status never reached the wanted state: %+v", f.Status())
	return Status{}
}

func TestNewForwarder_BadConfig(t *testing.T) {
	for _, cfg := range []ForwardConfig{
		{},
		{Prefix: "/x", Server: "ftp://grok"},
		{Prefix: "/x", Server: "grok", Port: 70000},
		{Prefix: "/x", Server: "grok", MetricPrefix: "has space"},
		{Prefix: "/x", Server: "grok", Metrics: []string{"../etc/passwd"}},
	} {
		if _, err := NewForwarder(cfg); err == nil {
			t.Errorf("NewForwarder(%+v) accepted", cfg)
		}
	}
	f, err := NewForwarder(ForwardConfig{Prefix: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ForwardOnce(context.Background()); !errors.Is(err, ErrNoServer) {
		t.Fatalf("ForwardOnce without server: %v", err)
	}
}

// TestCollectNamesMissingFiles: when none of a short --metrics list has an
// RRD file, the error names the files looked for (a typo in a name), not
// only the folder.
func TestCollectNamesMissingFiles(t *testing.T) {
	prefix := t.TempDir()
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{[]string{"CPUPercnt"}, "no CPUPercnt.rrd (are the metric names and the prefix right?)"},
		{[]string{"A", "B"}, "no A.rrd, B.rrd"},
		{[]string{"A", "B", "C", "D"}, "(is the prefix right?)"},
	} {
		_, errs := collect(prefix, tt.names, journal{}, slog.New(slog.DiscardHandler))
		if len(errs) != 1 || !errors.Is(errs[0], ErrNoRRDs) || !strings.Contains(errs[0].Error(), tt.want) {
			t.Errorf("%q: errors %v, want ErrNoRRDs saying %q", tt.names, errs, tt.want)
		}
	}
}

// runForwarder runs f.Run in the background until the test ends (the run
// is stopped and waited for in t.Cleanup) and returns its trigger channel.
func runForwarder(t *testing.T, f *Forwarder) chan<- struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	trigger := make(chan struct{})
	done := make(chan struct{})
	go func() { f.Run(ctx, trigger); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return trigger
}
