package agent

import (
	"math"
	"time"
)

// inactivityThreshold is numenta-rogue's key counter rule: a span of this
// long without a key-down means the user is doing something else, not
// typing slowly, so the span is cut from the active time that KeySpeed
// divides by. Rogue applies the same rule to the timing means: an interval
// longer than this is a pause, not typing rhythm, and is not averaged (the
// old tool averaged it, so one coffee break made KeyDownDown jump to
// minutes).
const inactivityThreshold = 5 * time.Second

// keyValues are the five key metrics of one sampling interval, in the order
// KeyCount, KeyDownDown, KeyUpDown, KeyHold, KeySpeed. NaN means unknown.
type keyValues struct {
	Count    float64 // key-downs in the interval
	DownDown float64 // mean seconds from a key-down to the next key-down
	UpDown   float64 // mean seconds from a key-up to the next key-down
	Hold     float64 // mean seconds from a key-down to the next key-up
	Speed    float64 // key-downs per active second
}

// unknownKeys is what an interval without a working key tap records.
var unknownKeys = keyValues{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}

// keyStats turns key events into per-interval statistics, with the old key
// counter's definitions (numenta-rogue avogadro/keys.py):
//
//   - KeyCount: key-downs in the interval; 0 when none.
//   - KeyDownDown: time from a key-down to the next key-down.
//   - KeyUpDown: time from a key-up to the next key-down.
//   - KeyHold: time from the last key-down to a key-up (without key identity,
//     overlapping presses pair with the latest key-down, as before).
//   - KeySpeed: KeyCount divided by the active time, which is the interval
//     minus every span of more than inactivityThreshold without a key-down
//     (the old tool only cut the span at the end of the interval).
//
// Differences from the old tool, chosen to keep values honest: a mean over
// no intervals is unknown (NaN), not 0; intervals longer than the inactivity
// threshold are pauses and are left out of the means; KeySpeed is 0 when no
// key was pressed and unknown when keys were pressed but no active time
// remains (a lone key-press between two pauses). Intervals that span a
// boundary belong to the interval of their later event, as before.
//
// keyStats is not safe for concurrent use.
type keyStats struct {
	lastDown, lastUp time.Time // latest events, kept across intervals

	start  time.Time     // start of the current interval
	count  int           // key-downs in it
	paused time.Duration // part of it spent in pauses so far

	dd, ud, hold meanAcc
}

// meanAcc accumulates a mean of durations in seconds.
type meanAcc struct {
	sum float64
	n   int
}

func (m *meanAcc) add(d time.Duration) { m.sum += d.Seconds(); m.n++ }

func (m meanAcc) mean() float64 {
	if m.n == 0 {
		return math.NaN()
	}
	return m.sum / float64(m.n)
}

// reset starts a fresh interval at start and forgets earlier events (used
// when the tap (re)starts: intervals across a gap in the event stream would
// be wrong).
func (s *keyStats) reset(start time.Time) {
	*s = keyStats{start: start}
}

// add records one event. Events should come in time order; an event older
// than the previous one yields no intervals, and one older than the current
// interval's start is counted in the current interval.
func (s *keyStats) add(ev KeyEvent) {
	t := ev.Time
	if t.Before(s.start) {
		t = s.start
	}
	if !ev.Down {
		if d, ok := rhythm(s.lastDown, t); ok {
			s.hold.add(d)
		}
		s.lastUp = t
		return
	}
	s.count++
	if d, ok := rhythm(s.lastDown, t); ok {
		s.dd.add(d)
	}
	if d, ok := rhythm(s.lastUp, t); ok {
		s.ud.add(d)
	}
	s.paused += s.pauseUntil(t)
	s.lastDown = t
}

// pauseUntil returns the part of the current interval, up to t, that lies in
// a pause: a span longer than inactivityThreshold since the last key-down
// (or since the interval started, before the first key-down, as the old
// tool measured it).
func (s *keyStats) pauseUntil(t time.Time) time.Duration {
	from := s.lastDown
	if from.IsZero() {
		from = s.start
	}
	if t.Sub(from) <= inactivityThreshold {
		return 0
	}
	if from.Before(s.start) {
		from = s.start
	}
	if !t.After(from) {
		return 0
	}
	return t.Sub(from)
}

// rhythm returns the interval from prev to t when it counts as typing
// rhythm: both known, not negative, not longer than the inactivity
// threshold.
func rhythm(prev, t time.Time) (time.Duration, bool) {
	if prev.IsZero() {
		return 0, false
	}
	d := t.Sub(prev)
	return d, d >= 0 && d <= inactivityThreshold
}

// flush ends the current interval at end, returns its statistics and starts
// the next interval at end.
func (s *keyStats) flush(end time.Time) keyValues {
	v := keyValues{
		Count:    float64(s.count),
		DownDown: s.dd.mean(),
		UpDown:   s.ud.mean(),
		Hold:     s.hold.mean(),
	}
	span := end.Sub(s.start)
	active := span - s.paused - s.pauseUntil(end)
	switch {
	case s.count == 0:
		v.Speed = 0
	case active <= 0:
		v.Speed = math.NaN()
	default:
		v.Speed = float64(s.count) / active.Seconds()
	}
	s.start = end
	s.count = 0
	s.paused = 0
	s.dd, s.ud, s.hold = meanAcc{}, meanAcc{}, meanAcc{}
	return v
}
