package agent

import (
	"math"
	"reflect"
	"testing"
	"time"
)

// keySeq builds events from (seconds, down) pairs relative to base.
type keyAt struct {
	sec  float64
	down bool
}

var base = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)

func at(sec float64) time.Time { return base.Add(time.Duration(sec * float64(time.Second))) }

// typed returns n key presses starting at from, one every gap seconds, each
// held for hold seconds.
func typed(from, gap, hold float64, n int) []keyAt {
	var out []keyAt
	for i := range n {
		t := from + float64(i)*gap
		out = append(out, keyAt{t, true}, keyAt{t + hold, false})
	}
	return out
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

func TestKeyStats(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		events []keyAt
		end    float64
		want   keyValues
	}{
		{
			name: "NoKeysIsZeroCountUnknownTiming",
			end:  60,
			want: keyValues{Count: 0, DownDown: nan, UpDown: nan, Hold: nan, Speed: 0},
		},
		{
			name: "NoKeysShortInterval",
			end:  1,
			want: keyValues{Count: 0, DownDown: nan, UpDown: nan, Hold: nan, Speed: 0},
		},
		{
			name:   "SteadyTyping",
			events: typed(1, 0.1, 0.04, 3), // downs at 1.0, 1.1, 1.2
			end:    3,
			// No pause: 1 s before the first key and 1.8 s after the last
			// are under the threshold, so all 3 s are active.
			want: keyValues{Count: 3, DownDown: 0.1, UpDown: 0.06, Hold: 0.04, Speed: 1},
		},
		{
			name:   "PauseInsideIntervalIsCutAndNotAveraged",
			events: append(typed(0, 0.1, 0.05, 3), typed(10, 0.1, 0.05, 2)...),
			end:    12,
			// Down-down 0.1, 0.1, (9.8 pause), 0.1; up-down 0.05, 0.05,
			// (9.75 pause), 0.05; active 12 - 9.8.
			want: keyValues{Count: 5, DownDown: 0.1, UpDown: 0.05, Hold: 0.05, Speed: 5 / 2.2},
		},
		{
			name:   "OldToolExampleSixtyKeysInTenSeconds",
			events: typed(0, 10.0/60, 0.05, 60),
			end:    30,
			// The trailing 20.17 s are a pause: 60 keys / 9.83 s.
			want: keyValues{Count: 60, DownDown: 10.0 / 60, UpDown: 10.0/60 - 0.05, Hold: 0.05, Speed: 60 / (59 * 10.0 / 60)},
		},
		{
			name:   "LoneKeyBetweenPausesHasUnknownSpeed",
			events: typed(20, 1, 0.1, 1),
			end:    60,
			want:   keyValues{Count: 1, DownDown: nan, UpDown: nan, Hold: 0.1, Speed: nan},
		},
		{
			name:   "LongHoldIsNotRhythm",
			events: []keyAt{{1, true}, {7, false}},
			end:    8,
			// 7 s without a key-down after the press is a pause: 1 s active.
			want: keyValues{Count: 1, DownDown: nan, UpDown: nan, Hold: nan, Speed: 1},
		},
		{
			name:   "RolloverPairsReleaseWithLatestPress",
			events: []keyAt{{1, true}, {1.1, true}, {1.15, false}, {1.2, false}},
			end:    2,
			want:   keyValues{Count: 2, DownDown: 0.1, UpDown: nan, Hold: 0.075, Speed: 1},
		},
		{
			name:   "EventsOutOfOrderGiveNoNegativeIntervals",
			events: []keyAt{{1, true}, {0.5, false}, {0.9, true}},
			end:    2,
			want:   keyValues{Count: 2, DownDown: nan, UpDown: 0.4, Hold: nan, Speed: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s keyStats
			s.reset(base)
			for _, e := range tt.events {
				s.add(KeyEvent{Time: at(e.sec), Down: e.down})
			}
			got := s.flush(at(tt.end))
			if !near(got.Count, tt.want.Count) || !near(got.DownDown, tt.want.DownDown) ||
				!near(got.UpDown, tt.want.UpDown) || !near(got.Hold, tt.want.Hold) || !near(got.Speed, tt.want.Speed) {
				t.Errorf("flush = %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

func TestKeyStatsIntervalsSpanningBoundaries(t *testing.T) {
	var s keyStats
	s.reset(base)
	s.add(KeyEvent{Time: at(0.9), Down: true})
	s.add(KeyEvent{Time: at(0.95), Down: false})
	first := s.flush(at(1))
	if first.Count != 1 || !math.IsNaN(first.DownDown) || !near(first.Hold, 0.05) {
		t.Errorf("first interval = %+v", first)
	}
	s.add(KeyEvent{Time: at(1.05), Down: true})
	second := s.flush(at(2))
	// The interval from 0.9 to 1.05 belongs to the second interval.
	if second.Count != 1 || !near(second.DownDown, 0.15) || !near(second.UpDown, 0.1) {
		t.Errorf("second interval = %+v", second)
	}
	// Nothing typed: 0 keys, timing unknown, speed 0.
	third := s.flush(at(3))
	if third.Count != 0 || !math.IsNaN(third.DownDown) || third.Speed != 0 {
		t.Errorf("third interval = %+v", third)
	}
}

func TestKeyStatsLateEventCountsInCurrentInterval(t *testing.T) {
	var s keyStats
	s.reset(base)
	s.flush(at(1))
	s.add(KeyEvent{Time: at(0.5), Down: true}) // arrived after the flush
	if v := s.flush(at(2)); v.Count != 1 {
		t.Errorf("Count = %v, want 1", v.Count)
	}
}

// TestKeyEventCarriesNoKeyIdentity is the privacy guarantee: the only
// types key data passes through on its way from the tap to storage hold a
// time and a direction, nothing that could identify a key.
func TestKeyEventCarriesNoKeyIdentity(t *testing.T) {
	for _, tc := range []struct {
		typ  reflect.Type
		want []string
	}{
		{reflect.TypeFor[KeyEvent](), []string{"Time", "Down"}},
		{reflect.TypeFor[keyValues](), []string{"Count", "DownDown", "UpDown", "Hold", "Speed"}},
	} {
		var got []string
		for f := range tc.typ.Fields() {
			got = append(got, f.Name)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v has fields %v, want exactly %v", tc.typ, got, tc.want)
		}
	}
	// keyStats keeps times, counts and sums only.
	for f := range reflect.TypeFor[keyStats]().Fields() {
		switch f.Type {
		case reflect.TypeFor[time.Time](), reflect.TypeFor[time.Duration](), reflect.TypeFor[int](), reflect.TypeFor[meanAcc]():
		default:
			t.Errorf("keyStats.%s has type %v, which could hold more than timing", f.Name, f.Type)
		}
	}
}
