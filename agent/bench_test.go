package agent

import (
	"testing"
	"time"
)

// BenchmarkTick measures one tick: sampling every collector and writing
// all 13 RRD files. It exists because the agent runs all day: its cost per
// tick is what bench/agent.sh compares with collectd.
func BenchmarkTick(b *testing.B) {
	defer func(d time.Duration) { fullRetention = d }(fullRetention)
	fullRetention = time.Hour
	a, _ := newTestAgent(b, Config{Interval: time.Second})
	clock := &fakeClock{}
	a.now = clock.now
	t := time.Now().Truncate(time.Second).Add(time.Second)
	a.prime()
	b.ReportAllocs()
	for b.Loop() {
		clock.set(t)
		a.tick()
		t = t.Add(time.Second)
	}
}

// BenchmarkKeyStats measures the work done for each key press and release,
// which runs on every keystroke the user types.
func BenchmarkKeyStats(b *testing.B) {
	var s keyStats
	t := time.Now()
	s.reset(t)
	for b.Loop() {
		t = t.Add(30 * time.Millisecond)
		s.add(KeyEvent{Time: t, Down: true})
		s.add(KeyEvent{Time: t.Add(10 * time.Millisecond), Down: false})
	}
}

// BenchmarkSampleLive measures one live sample for the menu's display
// cadence (every 2 s by default, on top of the ticks): its cost over the
// cadence is the live display's share of the app's CPU.
func BenchmarkSampleLive(b *testing.B) {
	a, _ := newTestAgent(b, Config{Interval: time.Minute})
	clock := &fakeClock{}
	a.now = clock.now
	t := time.Now()
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		clock.set(t)
		a.SampleLive(ctx)
		t = t.Add(time.Second)
	}
}
