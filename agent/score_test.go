package agent

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/anomaly"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// gaugeCollector fills the GAUGE metric name with next's values, one per
// tick, through the agent's real scheduling path.
func gaugeCollector(name string, next func() float64) *collector {
	return &collector{name: "fake " + name, metrics: []string{name}, collect: func(_ context.Context, out []reading) error {
		out[0] = gauge(next())
		return nil
	}}
}

// noise is a seeded series of stationary values around level.
func noise(seed uint64, level, spread float64) func() float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	return func() float64 { return level + spread*r.Float64() }
}

// plantHistory creates the files of the named metrics in prefix with
// values at step from start on (one per step), as an agent running then
// would have (rates of DERIVE metrics are stored as their counters). It
// returns the time of the last row.
func plantHistory(tb testing.TB, prefix string, step time.Duration, start time.Time, values map[string][]float64) time.Time {
	tb.Helper()
	if err := os.MkdirAll(prefix, 0o700); err != nil {
		tb.Fatal(err)
	}
	def := &Agent{step: step, heartbeat: DefaultHeartbeat}
	var last time.Time
	for name, vals := range values {
		m, _ := metric.Lookup(name)
		def.cfg.Prefix = prefix
		p := def.path(m)
		if err := rrd.Create(p, def.definition(m, start)); err != nil {
			tb.Fatal(err)
		}
		f, err := rrd.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		samples := make([]rrd.Sample, len(vals))
		var count uint64 // DERIVE metrics: vals are rates, stored as a counter
		for i, v := range vals {
			last = start.Add(time.Duration(i+1) * step)
			samples[i] = rrd.Sample{Time: last, Values: []float64{v}}
			if m.Type == rrd.Derive && !math.IsNaN(v) {
				count += uint64(v * step.Seconds())
				samples[i].Values[0] = float64(count)
			}
		}
		if err := f.Update(samples...); err != nil {
			tb.Fatal(err)
		}
		f.Close()
	}
	return last
}

// rrdtoolFetch runs the real rrdtool fetch on path and returns its rows
// (time → value, NaN for "-nan"/"nan").
func rrdtoolFetch(tb testing.TB, path string, from, to time.Time) map[int64]float64 {
	tb.Helper()
	if _, err := exec.LookPath("rrdtool"); err != nil {
		tb.Skip("rrdtool not installed")
	}
	out, err := execCommand("rrdtool", "fetch", path, "AVERAGE", "-s", strconv.FormatInt(from.Unix(), 10), "-e", strconv.FormatInt(to.Unix(), 10))
	if err != nil {
		tb.Fatalf("rrdtool fetch %s: %v\n%s", path, err, out)
	}
	rows := map[int64]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		ts, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		t, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		if err != nil {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			v = math.NaN()
		}
		rows[t] = v
	}
	return rows
}

// driveTicks runs n ticks of the agent at its step after from, by hand.
func driveTicks(a *Agent, clock *fakeClock, from time.Time, n int) time.Time {
	t := from
	for range n {
		t = t.Add(a.step)
		clock.set(t.Add(3 * time.Millisecond))
		a.tick()
	}
	return t
}

func TestScoresAreStoredInTheirOwnFiles(t *testing.T) {
	a, logs := newTestAgent(t, Config{Interval: 10 * time.Second})
	a.collectors = []*collector{gaugeCollector("CPUPercent", noise(1, 20, 5)), gaugeCollector("MemoryPercent", noise(2, 50, 1))}
	if err := a.bindCollectors(); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{}
	a.now = clock.now
	a.warmUp(context.Background()) // nothing stored yet: only creates the files
	t0 := time.Now().Truncate(a.step).Add(a.step)
	clock.set(t0)
	a.prime()
	last := driveTicks(a, clock, t0, 20)
	scores, warm := a.Scores()
	if !warm {
		t.Error("Scores: not warm after the warm-up")
	}
	for i, m := range metric.All {
		p := ScorePath(a.cfg.Prefix, m.Name)
		info, err := rrdInfo(p)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		mi, err := rrdInfo(a.path(m))
		if err != nil {
			t.Fatal(err)
		}
		ds := info.DS[0]
		if len(info.DS) != 1 || ds.Name != m.DSName() || ds.Type != rrd.Gauge || ds.Min != 0 || ds.Max != 1 ||
			ds.Heartbeat != mi.DS[0].Heartbeat || info.Step != mi.Step || len(info.RRA) != len(mi.RRA) {
			t.Errorf("%s: score file %+v, metric file %+v", m.Name, info.DS, mi.DS)
		}
		for j := range info.RRA {
			if info.RRA[j].RRA != mi.RRA[j].RRA {
				t.Errorf("%s: archive %d is %+v, the metric's %+v", m.Name, j, info.RRA[j].RRA, mi.RRA[j].RRA)
			}
		}
		rows := rrdtoolFetch(t, p, t0, last)
		v, ok := rows[last.Unix()]
		switch {
		case !ok:
			t.Errorf("%s: rrdtool fetch has no row at %d: %v", m.Name, last.Unix(), rows)
		case m.Name == "CPUPercent" || m.Name == "MemoryPercent":
			if math.IsNaN(v) || v < 0 || v > 1 {
				t.Errorf("%s: stored score %v at the last tick", m.Name, v)
			}
			if got := scores[i]; got.Score != v || !got.Time.Equal(last) {
				t.Errorf("%s: live score %+v, stored %v at %v", m.Name, got, v, last)
			}
		default:
			if !math.IsNaN(v) {
				t.Errorf("%s: no samples but the score %v is stored", m.Name, v)
			}
		}
	}
	if n := logs.count("level=WARN"); n != 0 {
		t.Errorf("%d warnings:\n%s", n, logs)
	}
}

func TestWarmUpLearnsTheStoredHistory(t *testing.T) {
	prefix := t.TempDir()
	const step = 60 * time.Second
	const rows = 2 * 24 * 60 // two days
	gen := noise(3, 30, 10)
	vals := make([]float64, rows)
	known := 0
	for i := range vals {
		vals[i] = gen()
		if i%500 == 7 {
			vals[i] = math.NaN() // gaps
		} else {
			known++
		}
	}
	start := time.Now().Truncate(step).Add(-time.Duration(rows+5) * step)
	last := plantHistory(t, prefix, step, start, map[string][]float64{"CPUPercent": vals})

	a, logs := newTestAgent(t, Config{Prefix: prefix, Interval: step})
	a.collectors = []*collector{gaugeCollector("CPUPercent", noise(4, 30, 10))}
	if err := a.bindCollectors(); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{}
	a.now = clock.now
	clock.set(last.Add(time.Second))
	a.prime()
	// A tick during the warm-up is queued and scored after the history.
	tick1 := driveTicks(a, clock, last, 1)
	a.warmUp(context.Background())

	// The detector learnt exactly the history, then the tick.
	ref := anomaly.New(anomaly.Config{})
	var refScores []float64
	for i, v := range vals {
		s := ref.Update(start.Add(time.Duration(i+1)*step).Unix(), v)
		if math.IsNaN(v) {
			s = math.NaN()
		}
		refScores = append(refScores, s)
	}
	live := a.Snapshot().Series[0].Latest
	want := ref.Update(tick1.Unix(), live)
	scores, warm := a.Scores()
	if !warm || scores[0].Score != want || !scores[0].Time.Equal(tick1) {
		t.Errorf("after the warm-up: %+v (warm %v), want score %v at %v", scores[0], warm, want, tick1)
	}
	// The history's scores were stored, and the queued tick's.
	p := ScorePath(prefix, "CPUPercent")
	got := rrdtoolFetch(t, p, start, tick1)
	bad := 0
	for i, w := range refScores {
		ti := start.Add(time.Duration(i+1) * step).Unix()
		if g, ok := got[ti]; !ok || !close10(g, w) {
			if bad++; bad < 5 {
				t.Errorf("stored score at %d: %v (present %v), want %v", ti, g, ok, w)
			}
		}
	}
	if g := got[tick1.Unix()]; !close10(g, want) {
		t.Errorf("queued tick's score %v, want %v", g, want)
	}
	// The tick was written before the warm-up read the file: it is part
	// of the history learnt (and not learnt twice).
	if n := logs.count("anomaly detectors warmed up", "samples="+strconv.Itoa(known+1)); n != 1 {
		t.Errorf("warm-up log:\n%s", logs)
	}
	a.Close()

	// A restart learns the same history again and stores only what is new:
	// nothing is written into the past of the score file.
	a2, logs2 := newTestAgent(t, Config{Prefix: prefix, Interval: step})
	a2.collectors = []*collector{gaugeCollector("CPUPercent", noise(5, 30, 10))}
	if err := a2.bindCollectors(); err != nil {
		t.Fatal(err)
	}
	a2.now = clock.now
	a2.warmUp(context.Background())
	a2.prime()
	tick2 := driveTicks(a2, clock, tick1, 3)
	got2 := rrdtoolFetch(t, p, tick1, tick2)
	if g, ok := got2[tick2.Unix()]; !ok || math.IsNaN(g) {
		t.Errorf("after the restart: no score at %d: %v", tick2.Unix(), got2)
	}
	if n := logs2.count("level=WARN") + logs2.count("level=ERROR"); n != 0 {
		t.Errorf("restart logged problems:\n%s", logs2)
	}
}

// TestPlantedAnomalyIsScoredHigh: after two days of calm history a jump
// far outside it, lasting a few ticks, passes the threshold.
func TestPlantedAnomalyIsScoredHigh(t *testing.T) {
	prefix := t.TempDir()
	const step = 60 * time.Second
	const rows = 2 * 24 * 60
	gen := noise(6, 10, 2)
	vals := make([]float64, rows)
	for i := range vals {
		vals[i] = gen()
	}
	start := time.Now().Truncate(step).Add(-time.Duration(rows+5) * step)
	last := plantHistory(t, prefix, step, start, map[string][]float64{"CPUPercent": vals})
	calm := noise(7, 10, 2)
	value := calm
	a, _ := newTestAgent(t, Config{Prefix: prefix, Interval: step})
	a.collectors = []*collector{gaugeCollector("CPUPercent", func() float64 { return value() })}
	if err := a.bindCollectors(); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{}
	a.now = clock.now
	clock.set(last.Add(time.Second))
	a.prime()
	a.warmUp(context.Background())
	tk := driveTicks(a, clock, last, 5)
	if s, _ := a.Scores(); s[0].Score >= anomaly.Threshold {
		t.Fatalf("calm ticks scored %v", s[0].Score)
	}
	value = func() float64 { return 95 }
	peak := 0.0
	for range 5 {
		tk = driveTicks(a, clock, tk, 1)
		s, _ := a.Scores()
		peak = max(peak, s[0].Score)
	}
	if peak < anomaly.Threshold {
		t.Errorf("a jump from 10%% to 95%% peaked at %v, below the threshold %v", peak, anomaly.Threshold)
	}
}

func TestResetRemovesScoreFiles(t *testing.T) {
	a, _ := newTestAgent(t, Config{Interval: 10 * time.Second})
	a.warmUp(context.Background())
	a.Close()
	p := ScorePath(a.cfg.Prefix, "CPUPercent")
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	newTestAgent(t, Config{Prefix: a.cfg.Prefix, Interval: 10 * time.Second, Reset: true})
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("score file after --reset: %v", err)
	}
}

// close10 reports whether rrdtool's printout g (10 significant digits) is
// w; NaN equals NaN.
func close10(g, w float64) bool {
	if math.IsNaN(g) || math.IsNaN(w) {
		return math.IsNaN(g) && math.IsNaN(w)
	}
	return math.Abs(g-w) <= 1e-9*math.Max(math.Abs(w), 1e-3)
}

// TestWarmUpIsCappedAtShortSteps: at a 1 s step two weeks would be 1.2 M
// samples per metric; the warm-up learns the newest maxWarmSamples.
func TestWarmUpIsCappedAtShortSteps(t *testing.T) {
	defer func(d time.Duration) { fullRetention = d }(fullRetention)
	fullRetention = 10 * time.Hour
	prefix := t.TempDir()
	const step = time.Second
	rows := maxWarmSamples + 5000
	vals := make([]float64, rows)
	gen := noise(9, 5, 1)
	for i := range vals {
		vals[i] = gen()
	}
	start := time.Now().Truncate(step).Add(-time.Duration(rows+5) * step)
	last := plantHistory(t, prefix, step, start, map[string][]float64{"MemoryPercent": vals})
	a, logs := newTestAgent(t, Config{Prefix: prefix, Interval: step})
	a.warmUp(context.Background())
	if n := logs.count("anomaly detectors warmed up", "samples="+strconv.Itoa(maxWarmSamples)); n != 1 {
		t.Errorf("warm-up did not learn exactly %d samples:\n%s", maxWarmSamples, logs)
	}
	got := rrdtoolFetch(t, ScorePath(prefix, "MemoryPercent"), last.Add(-10*step), last)
	if v, ok := got[last.Unix()]; !ok || math.IsNaN(v) {
		t.Errorf("no score stored for the newest row: %v", got)
	}
}

// TestWarmUpOnAFirstStart: when the warm-up runs before the metrics' files
// exist (the app makes them once its menu is shown), it warns of nothing
// and still makes the score files, which then take the scores.
func TestWarmUpOnAFirstStart(t *testing.T) {
	a, logs := newTestAgent(t, Config{Interval: 10 * time.Second})
	a.collectors = []*collector{gaugeCollector("CPUPercent", noise(1, 20, 5))}
	if err := a.bindCollectors(); err != nil {
		t.Fatal(err)
	}
	for _, m := range metric.All { // as before the first start made them
		if err := os.Remove(a.path(m)); err != nil {
			t.Fatal(err)
		}
	}
	clock := &fakeClock{}
	a.now = clock.now
	t0 := time.Now().Truncate(a.step).Add(a.step)
	clock.set(t0.Add(-a.step))
	a.warmUp(context.Background())
	if n := logs.count("level=WARN"); n != 0 {
		t.Errorf("%d warnings:\n%s", n, logs)
	}
	for _, m := range metric.All {
		if _, err := os.Stat(ScorePath(a.cfg.Prefix, m.Name)); err != nil {
			t.Fatalf("%s: no score file after the warm-up: %v", m.Name, err)
		}
	}
	clock.set(t0)
	a.prime()
	last := driveTicks(a, clock, t0, 5)
	rows := rrdtoolFetch(t, ScorePath(a.cfg.Prefix, "CPUPercent"), t0, last)
	if v, ok := rows[last.Unix()]; !ok || math.IsNaN(v) {
		t.Errorf("CPUPercent: no score stored at the last tick: %v", rows)
	}
}
