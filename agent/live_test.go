package agent

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/metric"
)

// TestHistoryLoadedFromFilesAtStart: an agent started over files with
// stored values has them as history at once (the menu's sparklines are not
// blank after a restart), with the steps it was not running as unknown.
func TestHistoryLoadedFromFilesAtStart(t *testing.T) {
	const step = 10 * time.Second
	first, _ := newTestAgent(t, Config{Interval: step})
	clock := &fakeClock{}
	first.now = clock.now
	// Samples after the files' creation; the second agent starts two steps
	// after the last one, on the same fake clock.
	t0 := time.Now().Truncate(step).Add(step)
	clock.set(t0.Add(-7 * time.Second))
	first.prime()
	for i := range 3 {
		clock.set(t0.Add(time.Duration(i)*step + 3*time.Millisecond))
		first.tick()
	}
	stored := first.Snapshot().Series[metricIndex("MemoryPercent")].History
	first.Close()

	second, _ := newTestAgent(t, Config{Prefix: first.cfg.Prefix, Interval: step})
	clock.set(t0.Add(4*step + time.Millisecond))
	second.now = clock.now
	second.loadHistory() // as New did, at the clock's time
	h := second.Snapshot().Series[metricIndex("MemoryPercent")].History
	// The two steps not running, unknown, up to now.
	if len(h) < 4 || !math.IsNaN(h[len(h)-1]) || !math.IsNaN(h[len(h)-2]) {
		t.Fatalf("history after restart %v, want the stored values then 2 unknown steps", h)
	}
	// Before them, the stored values. (The first row of a new file may be
	// unknown by rrdtool's rules: it is only partly covered.)
	known := h[:len(h)-2]
	if len(known) < 2 || len(known) > len(stored) {
		t.Fatalf("history after restart %v, want the stored %v", h, stored)
	}
	tail := stored[len(stored)-len(known):]
	for i, v := range known {
		if math.Abs(v-tail[i]) > 1e-9*math.Abs(tail[i]) {
			t.Errorf("history[%d] = %v, want the stored %v (all: %v, stored %v)", i, v, tail[i], h, stored)
		}
	}
}

// TestSampleLiveBetweenTicks: the live sampler gives every system metric a
// value (rates once primed) without writing any file, and Snapshot reports
// it while it is newer than the latest tick.
func TestSampleLiveBetweenTicks(t *testing.T) {
	a, _ := newTestAgent(t, Config{Interval: time.Minute})
	fi, err := os.Stat(filepath.Join(a.cfg.Prefix, "CPUPercent.rrd"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a.SampleLive(ctx)
	snap := a.Snapshot()
	if snap.Live.IsZero() {
		t.Fatal("no live sample time after SampleLive")
	}
	if mem := snap.Series[metricIndex("MemoryPercent")].Latest; !(mem > 0 && mem <= 100) {
		t.Errorf("MemoryPercent after the first live sample = %v, want known at once", mem)
	}
	first := snap.Live
	a.SampleLive(ctx) // within minLiveGap: reused
	if a.Snapshot().Live != first {
		t.Error("a second sample within a quarter second was taken")
	}
	time.Sleep(400 * time.Millisecond)
	a.SampleLive(ctx)
	snap = a.Snapshot()
	for _, name := range []string{"DiskReadBytes", "DiskWriteBytes", "NetworkBytesSent", "NetworkBytesReceived"} {
		if v := snap.Series[metricIndex(name)].Latest; math.IsNaN(v) || v < 0 {
			t.Errorf("%s = %v after two live samples, want a rate", name, v)
		}
	}
	for i := range metric.All {
		if n := len(snap.Series[i].History); n != 0 {
			t.Errorf("%s: live samples went into the stored history (%d values)", metric.All[i].Name, n)
		}
	}
	after, err := os.Stat(filepath.Join(a.cfg.Prefix, "CPUPercent.rrd"))
	if err != nil || !after.ModTime().Equal(fi.ModTime()) {
		t.Errorf("the live sampler wrote CPUPercent.rrd: %v → %v, %v", fi.ModTime(), after.ModTime(), err)
	}
}

// TestCreateInRun: with CreateInRun, New leaves missing files to Run,
// which creates them before its first tick.
func TestCreateInRun(t *testing.T) {
	a, _ := newTestAgent(t, Config{Interval: time.Second, CreateInRun: true})
	for _, m := range metric.All {
		if _, err := os.Stat(a.path(m)); err == nil {
			t.Fatalf("%s exists after New with CreateInRun", m.Name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for _, m := range metric.All {
		for {
			if _, err := os.Stat(a.path(m)); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not created by Run", m.Name)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
