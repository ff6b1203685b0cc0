package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

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
			m, _ := Lookup("CPUPercent")
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
			case tt.wantWarn && warns != len(Metrics):
				t.Errorf("%d warnings about the clock over three ticks, want one per file (%d):\n%s", warns, len(Metrics), logs)
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
