package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/rogue-metrics/rogue/anomaly"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// ScoreDir is the subfolder of the prefix that holds the anomaly scores:
// <prefix>/anomaly/<Name>.rrd, one GAUGE data source (named as the metric's)
// between 0 and 1 per metric, with the metric file's step, heartbeat and
// archives. The forwarder never sends them; rrdtool and the export read them.
const ScoreDir = "anomaly"

// ScorePath returns the score file of the metric named name.
func ScorePath(prefix, name string) string {
	return filepath.Join(prefix, ScoreDir, name+".rrd")
}

// WarmupSpan is how much stored history the detectors learn from when the
// agent starts, so that a restart remembers what normal looks like.
const WarmupSpan = 14 * 24 * time.Hour

// maxPending bounds the ticks kept while the warm-up runs (it takes well
// under a second; this only guards against a warm-up stuck on a lock).
const maxPending = 1024

// Score is one metric's latest anomaly score.
type Score struct {
	// Time is the time of the sample scored; zero before the first.
	Time time.Time
	// Value is that sample's value (counters as rates), NaN when unknown.
	Value float64
	// Score is the anomaly likelihood in [0, 1]; NaN when not known (no
	// sample yet, or the latest sample is unknown).
	Score float64
}

// scorer runs one anomaly detector per metric and stores the scores.
type scorer struct {
	mu      sync.Mutex // guards the fields below up to pub
	dets    []*anomaly.Detector
	files   []*rrd.File // score files; nil where one could not be opened
	fed     []int64     // time of the last sample given to each detector
	warming bool        // ticks are queued in pending until the warm-up ends
	pending []pendingTick

	pubMu sync.RWMutex
	pub   []Score
	ready bool // the warm-up is over

	wg   sync.WaitGroup
	stop context.CancelFunc
}

// pendingTick is a tick that arrived during the warm-up.
type pendingTick struct {
	t    int64
	vals []float64
}

// newScorer returns a scorer for every metric, warming up until started.
func newScorer() *scorer {
	n := len(metric.All)
	s := &scorer{
		dets:    make([]*anomaly.Detector, n),
		files:   make([]*rrd.File, n),
		fed:     make([]int64, n),
		pub:     make([]Score, n),
		warming: true,
	}
	for i := range s.dets {
		s.dets[i] = anomaly.New(anomaly.Config{})
		s.pub[i] = Score{Value: math.NaN(), Score: math.NaN()}
	}
	return s
}

// Scores returns every metric's latest anomaly score, in the order of
// metric.All, and whether the detectors have finished learning from the
// stored history. It is cheap and safe to call from any goroutine.
func (a *Agent) Scores() (scores []Score, warm bool) {
	s := a.scores
	if s == nil {
		return nil, false
	}
	s.pubMu.RLock()
	defer s.pubMu.RUnlock()
	out := make([]Score, len(s.pub))
	copy(out, s.pub)
	return out, s.ready
}

// startScoring starts the warm-up in the background; the returned function
// waits for it and closes the score files.
func (a *Agent) startScoring(ctx context.Context) (stop func()) {
	s := a.scores
	ctx, cancel := context.WithCancel(ctx)
	s.stop = cancel
	s.wg.Go(func() { a.warmUp(ctx) })
	return func() {
		cancel()
		s.wg.Wait()
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, f := range s.files {
			if f != nil {
				f.Close()
				s.files[i] = nil
			}
		}
	}
}

// resetScores removes the score files (with --reset).
func (a *Agent) resetScores() error {
	for _, m := range metric.All {
		p := ScorePath(a.cfg.Prefix, m.Name)
		if err := os.Remove(p); err == nil {
			a.log.Info("reset: removed", "file", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("agent: reset: %w", err)
		}
	}
	return nil
}

// scoreTick scores the tick's values (a.latest, as the menu shows them) and
// stores the scores. During the warm-up the tick is queued instead. It runs
// on the scheduler's goroutine.
func (a *Agent) scoreTick(t time.Time) {
	s := a.scores
	vals := make([]float64, len(a.latest))
	a.liveMu.RLock()
	copy(vals, a.latest)
	a.liveMu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.warming {
		if len(s.pending) < maxPending {
			s.pending = append(s.pending, pendingTick{t.Unix(), vals})
		}
		return
	}
	for i := range metric.All {
		sc, ok := s.feed(i, t.Unix(), vals[i])
		if !ok {
			continue
		}
		err := s.write(i, []rrd.Sample{{Time: t, Values: []float64{sc}}})
		a.errs.report("score "+metric.All[i].Name, err, a.now())
	}
}

// feed gives detector i the sample (t, v) unless it has seen t already,
// publishes the score and returns it (NaN for an unknown v). s.mu is held,
// or the warm-up owns the detectors.
func (s *scorer) feed(i int, t int64, v float64) (float64, bool) {
	if t <= s.fed[i] {
		return 0, false
	}
	s.fed[i] = t
	score := math.NaN()
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		score = s.dets[i].Update(t, v)
	}
	s.pubMu.Lock()
	s.pub[i] = Score{Time: time.Unix(t, 0), Value: v, Score: score}
	s.pubMu.Unlock()
	return score, true
}

// write stores samples in score file i, leaving out those not newer than
// its last update. s.mu is held (or the warm-up owns the files).
func (s *scorer) write(i int, samples []rrd.Sample) error {
	f := s.files[i]
	if f == nil || len(samples) == 0 {
		return nil
	}
	last, err := f.LastUpdate()
	if err != nil {
		return err
	}
	k := 0
	for k < len(samples) && !samples[k].Time.After(last) {
		k++
	}
	if err := f.Update(samples[k:]...); err != nil && !errors.Is(err, rrd.ErrNotNewer) {
		return err
	}
	return nil
}

// warmUp teaches every detector the stored history (up to WarmupSpan),
// storing the scores of rows the score files do not hold yet, then scores
// the ticks that arrived meanwhile and hands over to scoreTick.
func (a *Agent) warmUp(ctx context.Context) {
	s := a.scores
	start := time.Now()
	n := 0
	var fresh []int // metrics without a file yet
	for i, m := range metric.All {
		if ctx.Err() != nil {
			break
		}
		k, err := a.warmMetric(i, m)
		n += k
		switch {
		case errors.Is(err, errNoHistory):
			fresh = append(fresh, i)
		case err != nil:
			a.log.Warn("anomaly warm-up", "metric", m.Name, "err", err)
		}
	}
	s.mu.Lock()
	for _, p := range s.pending {
		for i := range metric.All {
			if sc, ok := s.feed(i, p.t, p.vals[i]); ok {
				if err := s.write(i, []rrd.Sample{{Time: time.Unix(p.t, 0), Values: []float64{sc}}}); err != nil {
					a.log.Warn("anomaly score", "metric", metric.All[i].Name, "err", err)
				}
			}
		}
	}
	s.pending = nil
	s.warming = false
	s.mu.Unlock()
	s.pubMu.Lock()
	s.ready = true
	s.pubMu.Unlock()
	// The warm-up's garbage (fetched rows) is gone for good: give the
	// memory back now rather than keep it for the life of the agent.
	debug.FreeOSMemory()
	a.log.Info("anomaly detectors warmed up", "samples", n, "took", time.Since(start).Round(time.Millisecond).String())
	// A first start (the app makes the metrics' files once its menu is
	// shown): the score files start now, made after the hand-over so that
	// the detectors see the first ticks live. Scores of ticks before their
	// file exists are not stored.
	from := a.now().Truncate(time.Second).Add(-time.Second) // as openFiles
	for _, i := range fresh {
		if ctx.Err() != nil {
			return
		}
		m := metric.All[i]
		f, err := a.openScoreFile(m, a.definition(m, from), from)
		if err != nil {
			a.log.Warn("anomaly score file", "metric", m.Name, "err", err)
			continue
		}
		s.mu.Lock()
		if s.files[i] == nil {
			s.files[i], f = f, nil
		}
		s.mu.Unlock()
		if f != nil {
			f.Close()
		}
	}
}

// errNoHistory is warmMetric's answer for a metric without a file.
var errNoHistory = errors.New("agent: no history yet")

// maxWarmSamples caps the history a detector learns at start: two weeks at
// the default 60 s step. At shorter steps the warm-up covers less time
// (5.6 hours at 1 s), so that it stays well under a second of CPU.
const maxWarmSamples = 20160

// warmChunk is how many rows the warm-up reads and writes at a time, which
// bounds its memory whatever the step.
const warmChunk = 1024

// warmMetric opens (or creates) metric i's score file and feeds its
// detector the stored history. It returns the samples learnt from.
func (a *Agent) warmMetric(i int, m metric.Metric) (int, error) {
	s := a.scores
	src, err := rrd.Open(a.path(m))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, errNoHistory
	}
	if err != nil {
		return 0, err
	}
	defer src.Close()
	def := src.Definition()
	last, err := src.LastUpdate()
	if err != nil {
		return 0, err
	}
	step := def.Step
	if step <= 0 {
		return 0, fmt.Errorf("agent: %s: step %v", src.Path(), step)
	}
	span := min(WarmupSpan, maxWarmSamples*step)
	from := last.Add(-span).Truncate(step)
	f, err := a.openScoreFile(m, def, from)
	if err != nil {
		return 0, err
	}
	s.files[i] = f // the warm-up owns the files until it hands over under s.mu
	samples := make([]rrd.Sample, 0, warmChunk)
	values := make([]float64, warmChunk) // backing of the samples' Values
	n := 0
	for lo := from; lo.Before(last); lo = lo.Add(warmChunk * step) {
		hi := lo.Add(warmChunk * step)
		if hi.After(last) {
			hi = last
		}
		res, err := src.Fetch(rrd.Average, lo, hi, step)
		if err != nil {
			return n, err
		}
		samples = samples[:0]
		for r, row := range res.Rows {
			t := res.Time(r)
			if !t.After(lo) || t.After(hi) || len(samples) == warmChunk {
				continue // outside this chunk, or the row in progress
			}
			// No lock: until the hand-over in warmUp, scoreTick leaves the
			// detectors alone.
			if sc, ok := s.feed(i, t.Unix(), row[0]); ok {
				k := len(samples)
				values[k] = sc
				samples = append(samples, rrd.Sample{Time: t, Values: values[k : k+1 : k+1]})
				if !math.IsNaN(row[0]) {
					n++
				}
			}
		}
		if err := s.write(i, samples); err != nil {
			return n, err
		}
	}
	return n, nil
}

// scoreDefinition is the score file of metric m whose file has definition
// def: the same step, heartbeat and archives, one GAUGE between 0 and 1.
func scoreDefinition(m metric.Metric, def rrd.Definition, start time.Time) rrd.Definition {
	hb := def.Step * 2
	if len(def.DS) > 0 {
		hb = def.DS[0].Heartbeat
	}
	return rrd.Definition{
		Step:  def.Step,
		Start: start,
		DS:    []rrd.DS{{Name: m.DSName(), Type: rrd.Gauge, Heartbeat: hb, Min: 0, Max: 1}},
		RRA:   def.RRA,
	}
}

// openScoreFile opens m's score file, creating it (starting at start, so
// that the warm-up can store the history's scores) when missing.
func (a *Agent) openScoreFile(m metric.Metric, def rrd.Definition, start time.Time) (*rrd.File, error) {
	p := ScorePath(a.cfg.Prefix, m.Name)
	f, err := rrd.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, fmt.Errorf("agent: %w", err)
		}
		err = rrd.Create(p, scoreDefinition(m, def, start))
		if err == nil {
			// Scores follow the key timings: the owner's alone.
			if cerr := os.Chmod(p, privateFile); cerr != nil {
				a.log.Warn("could not make the file private", "file", p, "err", cerr)
			}
		}
		if err == nil || errors.Is(err, fs.ErrExist) {
			f, err = rrd.Open(p)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("agent: score file: %w", err)
	}
	if d := f.Definition(); len(d.DS) != 1 {
		f.Close()
		return nil, fmt.Errorf("agent: %s has %d data sources, a score file has one; move it away", p, len(d.DS))
	}
	return f, nil
}
