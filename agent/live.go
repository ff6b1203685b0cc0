package agent

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// The live sampler feeds the menu between ticks. It has collectors of its
// own (their state, such as the previous CPU times, is separate from the
// ticks'), reads the key statistics of its own window, and writes no file:
// the RRD files keep one value per step, whatever the display cadence.

// minLiveGap is the shortest time between two live samples: requests closer
// together (a menu opened just after the cadence's sample) reuse the last.
const minLiveGap = 250 * time.Millisecond

// liveState is the live sampler's state, guarded by Agent.liveSample.
type liveState struct {
	collectors []*collector
	prev       []reading
	prevTime   time.Time
	last       time.Time // time of the latest sample, primed or not
}

// SampleLive takes a live reading of every metric now, for the display,
// unless one was taken less than a quarter of a second ago. The first call
// only primes what needs two readings (CPU utilisation, rates); call it
// again a moment later. Snapshot then reports these values as Latest while
// they are newer than the latest tick's. It reads a few /proc files (or
// sysctls): cheap enough for a display cadence of a second or two. Safe to
// call from any goroutine; a call made while one is in progress returns at
// once.
func (a *Agent) SampleLive(ctx context.Context) {
	if !a.liveSample.TryLock() {
		return
	}
	defer a.liveSample.Unlock()
	ls := &a.live
	now := a.now()
	if !ls.last.IsZero() && now.Sub(ls.last) < minLiveGap && !now.Before(ls.last) {
		return
	}
	ls.last = now
	if ls.collectors == nil {
		ls.collectors = defaultCollectors()
		for _, c := range ls.collectors {
			c.index = a.collectorIndex(c)
		}
		ls.prev = make([]reading, len(metric.All))
	}
	ctx, cancel := context.WithTimeout(ctx, min(a.collectTimeout(), time.Second))
	defer cancel()
	vals := make([]reading, len(metric.All))
	for _, c := range ls.collectors {
		out := make([]reading, len(c.index))
		// One after the other, on this goroutine: a live sample is a
		// handful of small reads, and goroutines would cost more than
		// they save. Failures are the ticks' to log.
		if err := c.collect(ctx, out); err == nil {
			for j, i := range c.index {
				vals[i] = out[j]
			}
		} else if !errors.Is(err, errPriming) {
			a.log.Debug("live sample", "source", c.name, "err", err)
		}
	}
	a.keyMu.Lock()
	kv := a.liveKeys.flush(now)
	if !a.tapUp {
		kv = unknownKeys
	}
	a.keyMu.Unlock()

	dt := now.Sub(ls.prevTime).Seconds()
	primed := !ls.prevTime.IsZero() && dt > 0
	x := make([]float64, len(metric.All))
	for i, m := range metric.All {
		x[i] = math.NaN()
		v := vals[i]
		switch {
		case !v.Known:
		case m.Type == rrd.Gauge:
			x[i] = v.Gauge
		default:
			if p := ls.prev[i]; p.Known && primed && v.Counter >= p.Counter {
				x[i] = float64(v.Counter-p.Counter) / dt
			}
		}
	}
	for i, v := range []float64{kv.Count, kv.DownDown, kv.UpDown, kv.Hold, kv.Speed} {
		x[keyMetricBase+i] = v
	}
	// KeyCount is stored per step: the live count, over a window of its
	// own length, is scaled to a step so that both mean the same.
	if primed {
		x[keyMetricBase] *= a.step.Seconds() / dt
	} else {
		x[keyMetricBase] = math.NaN()
	}
	copy(ls.prev, vals)
	ls.prevTime = now

	a.liveMu.Lock()
	a.liveVals = x
	a.liveAt = now
	a.liveMu.Unlock()
}

// collectorIndex maps c's metric names to indexes into metric.All.
func (a *Agent) collectorIndex(c *collector) []int {
	idx := make([]int, 0, len(c.metrics))
	for _, name := range c.metrics {
		idx = append(idx, metricIndex(name))
	}
	return idx
}

// Step is the storage step: the time between two stored values.
func (a *Agent) Step() time.Duration { return a.step }

// loadHistory fills the live history of every open file from the file
// itself, so that the menu shows the last historyLen steps at once after a
// restart. Steps between the file's last update and now are unknown (the
// agent was not running).
func (a *Agent) loadHistory() {
	now := a.now()
	end := now.Truncate(a.step)
	start := end.Add(-time.Duration(historyLen) * a.step)
	a.liveMu.Lock()
	defer a.liveMu.Unlock()
	for i, f := range a.files {
		if f == nil {
			continue
		}
		res, err := f.Fetch(rrd.Average, start, end, a.step)
		if err != nil {
			a.log.Debug("history", "file", f.Path(), "err", err)
			continue
		}
		var r ring
		for j, row := range res.Rows {
			if res.Time(j).After(now) || len(row) == 0 {
				break
			}
			// Leading unknowns say nothing (a new file, a long break):
			// the sparkline pads a short history with gaps anyway.
			if r.n == 0 && math.IsNaN(row[0]) {
				continue
			}
			r.push(row[0])
		}
		a.history[i] = r
	}
}
