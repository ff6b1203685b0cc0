package agent

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
)

// TestKeysUnderXvfb types a known text with xdotool into a virtual X
// server while the agent runs at a 1 s interval, and reads the key metrics
// back from the RRD files: exactly that many key presses, positive hold and
// down-down times.
func TestKeysUnderXvfb(t *testing.T) {
	defer func(d time.Duration) { fullRetention = d }(fullRetention)
	fullRetention = time.Hour
	display := testpeer.Xvfb(t, "320x240x24")
	ticks := make(chan time.Time, 100)
	a, logs := newTestAgent(t, Config{
		Interval: time.Second,
		KeyTap:   &x11Tap{display: display},
		OnTick:   func(t time.Time) { ticks <- t },
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitTick := func() time.Time {
		t.Helper()
		select {
		case tt := <-ticks:
			return tt
		case <-time.After(10 * time.Second):
			t.Fatalf("no tick within 10 s:\n%s", logs)
		}
		return time.Time{}
	}
	waitTick()
	// The tap connects in the background: press shift until it sees keys,
	// then start counting at the next tick.
	for a.Snapshot().Keys.LastEvent.IsZero() {
		xdotool(t, display, "key", "shift")
		waitTick()
	}
	first := waitTick()
	const text = "the quick brown fox"
	xdotool(t, display, "type", "--delay", "40", text)
	waitTick()
	last := waitTick()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}

	count := fetchRows(t, a.cfg.Prefix, "KeyCount", first, last)
	hold := fetchRows(t, a.cfg.Prefix, "KeyHold", first, last)
	dd := fetchRows(t, a.cfg.Prefix, "KeyDownDown", first, last)
	speed := fetchRows(t, a.cfg.Prefix, "KeySpeed", first, last)
	var sum float64
	for i := range count.Rows {
		ts := count.Time(i)
		if ts.After(last) || !ts.After(first) {
			continue
		}
		n := count.Rows[i][0]
		if math.IsNaN(n) {
			t.Errorf("KeyCount unknown at %v with a working tap", ts)
			continue
		}
		sum += n
		if n > 0 {
			t.Logf("%v: KeyCount %v, KeyHold %.4f s, KeyDownDown %.4f s, KeyUpDown %.4f s, KeySpeed %.2f/s",
				ts.Format(time.TimeOnly), n, valueAt(hold, ts), valueAt(dd, ts),
				valueAt(fetchRows(t, a.cfg.Prefix, "KeyUpDown", first, last), ts), valueAt(speed, ts))
			h, s := valueAt(hold, ts), valueAt(speed, ts)
			if !(h > 0) || !(s > 0) {
				t.Errorf("at %v: %v keys, hold %v, speed %v; want positive", ts, n, h, s)
			}
			if d := valueAt(dd, ts); n > 1 && !(d > 0) {
				t.Errorf("at %v: %v keys, down-down %v; want positive", ts, n, d)
			}
		}
	}
	if sum != float64(len(text)) {
		t.Errorf("KeyCount rows sum to %v, want %d (%q); rows %v", sum, len(text), text, count.Rows)
	}
	snap := a.Snapshot()
	if snap.Keys.LastEvent.IsZero() || snap.Keys.Err != nil {
		t.Errorf("key status after typing: %+v", snap.Keys)
	}
}
