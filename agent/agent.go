package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// Defaults of the old rogue-agent.
const (
	DefaultInterval  = 60 * time.Second
	DefaultHeartbeat = 600 * time.Second
)

// Archive layout of new files: every sample for two weeks (as the old
// tool's RRA:AVERAGE:0.5:1:4032 at 300 s), plus hourly averages and maxima
// for a year for long history in the menu and exports.
const (
	hourlyRetention = 365 * 24 * time.Hour
	historyLen      = 120 // ticks of live history kept for the menu
)

// fullRetention is how long the full-resolution archive reaches back; a
// variable so that tests at 1 s steps need not create 10 MB files.
var fullRetention = 14 * 24 * time.Hour

// ErrConfig is returned (wrapped) by New for a configuration that cannot
// work: bad interval or heartbeat, a missing or unwritable prefix.
var ErrConfig = errors.New("agent: invalid configuration")

// Config configures an Agent.
type Config struct {
	// Prefix is the folder of the RRD files, created if missing.
	Prefix string
	// Interval is the sampling step in whole seconds; 0 means 60 s.
	Interval time.Duration
	// Heartbeat is the longest gap between samples before the RRD records
	// unknown, in whole seconds; 0 means 600 s. It is raised to at least
	// twice the interval. Files that exist keep their own heartbeat.
	Heartbeat time.Duration
	// Reset removes the metrics' RRD files before starting (and logs each
	// file it removed): the only way to start the series over.
	Reset bool
	// Logger receives the agent's logs; nil means slog.Default().
	Logger *slog.Logger
	// KeyTap is the source of key events; nil means NewKeyTap().
	KeyTap KeyTap
	// CreateInRun makes New open only the files that exist and Run create
	// the missing ones before its first tick, so that a caller showing a
	// menu is not kept waiting (at a 1 s step the files are about 10 MB
	// each). Errors creating them are Run's.
	CreateInRun bool
	// OnTick, when set, is called after each tick's samples are written,
	// with the samples' time. It runs on the scheduler's goroutine, so it
	// must return quickly (start work elsewhere).
	OnTick func(t time.Time)
}

// Snapshot is the agent's live state, for the menu: no files are read.
type Snapshot struct {
	Time   time.Time // time of the latest tick; zero before the first
	Live   time.Time // time of the latest live sample (SampleLive); zero before
	Step   time.Duration
	Series []Series // one per metric, in the order of metric.All
	Keys   KeyStatus
	// BadFiles lists the RRD files set aside since the agent started
	// because they could not be continued.
	BadFiles []BadFile
}

// Series is one metric's live values.
type Series struct {
	Metric metric.Metric
	// Latest is the newest value: the latest live sample's (SampleLive)
	// when it is newer than the latest tick, else the tick's; NaN when
	// unknown. Counters (DERIVE metrics) are given as rates per second, as
	// the RRD stores them; KeyCount as keys per step.
	Latest float64
	// History holds the stored values of the latest steps, oldest first (up
	// to 120), NaN where unknown: read from the file at start, then one per
	// tick.
	History []float64
}

// KeyStatus tells whether key events reach the agent.
type KeyStatus struct {
	Flowing   bool      // the key tap is running
	LastEvent time.Time // time of the latest key event; zero if none yet
	Err       error     // why key events are not flowing; nil when they are
}

// Agent samples every metric once per interval into its RRD file.
type Agent struct {
	cfg       Config
	log       *slog.Logger
	step      time.Duration
	heartbeat time.Duration

	files      []*rrd.File // per metric, in the order of metric.All
	fileIDs    []os.FileInfo
	collectors []*collector
	tap        KeyTap
	now        func() time.Time
	errs       *errTracker // used by the scheduler goroutine only

	keyMu     sync.Mutex
	keys      keyStats
	tapUp     bool   // tap.Run is in progress
	tapErrMsg string // the tap failure last logged; "" once keys flow
	keyStatus KeyStatus

	liveSample sync.Mutex // one live sample at a time; guards live
	live       liveState
	liveKeys   keyStats // the live sampler's key window, under keyMu

	liveMu      sync.RWMutex
	liveVals    []float64 // the latest live sample's values, nil before
	liveAt      time.Time
	liveTime    time.Time
	latest      []float64
	history     []ring
	prevReading []reading
	prevTime    time.Time

	bad []BadFile // files set aside, guarded by liveMu

	lastTick time.Time // time of the latest tick processed
	scores   *scorer   // anomaly detectors and score files (score.go)
	running  atomic.Bool
	closeMu  sync.Mutex
	closed   bool
}

// ring is a fixed-size history of values.
type ring struct {
	vals [historyLen]float64
	n    int // values stored, up to historyLen
	next int // index of the next write
}

func (r *ring) push(v float64) {
	r.vals[r.next] = v
	r.next = (r.next + 1) % historyLen
	if r.n < historyLen {
		r.n++
	}
}

// slice returns the values oldest first.
func (r *ring) slice() []float64 {
	out := make([]float64, 0, r.n)
	start := (r.next - r.n + historyLen) % historyLen
	for i := range r.n {
		out = append(out, r.vals[(start+i)%historyLen])
	}
	return out
}

// New checks cfg, creates the prefix folder and opens the RRD file of every
// metric, creating missing ones (with Reset, removing them first). Existing
// files, also ones the old tool or rrdtool made with other archives, are
// continued, never replaced. Errors of configuration wrap ErrConfig.
func New(cfg Config) (*Agent, error) {
	a := &Agent{cfg: cfg, log: cfg.Logger, tap: cfg.KeyTap, now: time.Now}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.tap == nil {
		a.tap = NewKeyTap()
	}
	if err := a.configure(); err != nil {
		return nil, err
	}
	a.collectors = defaultCollectors()
	a.errs = newErrTracker(a.log)
	n := len(metric.All)
	a.latest = make([]float64, n)
	for i := range a.latest {
		a.latest[i] = math.NaN()
	}
	a.history = make([]ring, n)
	a.prevReading = make([]reading, n)
	a.keyStatus = KeyStatus{Err: errors.New("key tap not started")}
	a.scores = newScorer()

	if cfg.Reset {
		if err := a.reset(); err != nil {
			return nil, err
		}
	}
	if err := a.openFiles(!cfg.CreateInRun); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.bindCollectors(); err != nil {
		a.Close()
		return nil, err
	}
	a.loadHistory()
	return a, nil
}

// configure validates the configuration and prepares the prefix.
func (a *Agent) configure() error {
	cfg := a.cfg
	if cfg.Prefix == "" {
		return fmt.Errorf("%w: no prefix (folder of the RRD files) given", ErrConfig)
	}
	a.step = cfg.Interval
	if a.step == 0 {
		a.step = DefaultInterval
	}
	if a.step < time.Second || a.step%time.Second != 0 {
		return fmt.Errorf("%w: interval %v is not a whole number of seconds ≥ 1", ErrConfig, cfg.Interval)
	}
	a.heartbeat = cfg.Heartbeat
	if a.heartbeat == 0 {
		a.heartbeat = DefaultHeartbeat
	}
	if a.heartbeat < time.Second || a.heartbeat%time.Second != 0 {
		return fmt.Errorf("%w: heartbeat %v is not a whole number of seconds ≥ 1", ErrConfig, cfg.Heartbeat)
	}
	if a.heartbeat < 2*a.step {
		a.log.Info("heartbeat raised to twice the interval", "heartbeat", a.heartbeat.String(), "now", (2 * a.step).String())
		a.heartbeat = 2 * a.step
	}
	if err := MakePrivate(cfg.Prefix, a.log); err != nil {
		return fmt.Errorf("%w: cannot create prefix: %v", ErrConfig, err)
	}
	if scores := filepath.Join(cfg.Prefix, ScoreDir); dirExists(scores) {
		if err := MakePrivate(scores, a.log); err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	probe, err := os.CreateTemp(cfg.Prefix, ".rogue-write-test-*")
	if err != nil {
		return fmt.Errorf("%w: prefix %s is not writable: %v", ErrConfig, cfg.Prefix, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// path returns the RRD file of metric m.
func (a *Agent) path(m metric.Metric) string { return filepath.Join(a.cfg.Prefix, m.Name+".rrd") }

// reset removes every metric's file and logs what it removed.
func (a *Agent) reset() error {
	removed := 0
	for _, m := range metric.All {
		p := a.path(m)
		err := os.Remove(p)
		switch {
		case err == nil:
			a.log.Info("reset: removed", "file", p)
			removed++
		case errors.Is(err, fs.ErrNotExist):
		default:
			return fmt.Errorf("agent: reset: %w", err)
		}
	}
	if removed == 0 {
		a.log.Info("reset: no files to remove", "prefix", a.cfg.Prefix)
	}
	return a.resetScores()
}

// definition is what New creates for metric m.
func (a *Agent) definition(m metric.Metric, start time.Time) rrd.Definition {
	hourSteps := max(1, int((time.Hour+a.step/2)/a.step))
	rows := func(span, per time.Duration) int { return int((span + per - 1) / per) }
	return rrd.Definition{
		Step:  a.step,
		Start: start,
		DS: []rrd.DS{{
			Name: m.DSName(), Type: m.Type, Heartbeat: a.heartbeat, Min: m.Min, Max: m.Max,
		}},
		RRA: []rrd.RRA{
			{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: rows(fullRetention, a.step)},
			{CF: rrd.Average, XFF: 0.5, Steps: hourSteps, Rows: rows(hourlyRetention, time.Duration(hourSteps)*a.step)},
			{CF: rrd.Max, XFF: 0.5, Steps: hourSteps, Rows: rows(hourlyRetention, time.Duration(hourSteps)*a.step)},
		},
	}
}

// openFiles opens every metric's file, creating the missing ones when
// create is set (else leaving them nil for createMissing).
func (a *Agent) openFiles(create bool) error {
	a.files = make([]*rrd.File, len(metric.All))
	a.fileIDs = make([]os.FileInfo, len(metric.All))
	start := a.now().Truncate(time.Second).Add(-time.Second)
	for i, m := range metric.All {
		if !create {
			if _, err := os.Lstat(a.path(m)); errors.Is(err, fs.ErrNotExist) {
				continue
			}
		}
		f, fi, err := a.openFile(m, start)
		if err != nil {
			return err
		}
		a.files[i], a.fileIDs[i] = f, fi
	}
	return nil
}

// createMissing creates and opens the files New left for Run
// (Config.CreateInRun).
func (a *Agent) createMissing() error {
	start := a.now().Truncate(time.Second).Add(-time.Second)
	for i, m := range metric.All {
		if a.files[i] != nil {
			continue
		}
		f, fi, err := a.openFile(m, start)
		if err != nil {
			return err
		}
		a.closeMu.Lock()
		a.files[i], a.fileIDs[i] = f, fi
		a.closeMu.Unlock()
	}
	return nil
}

// openFile opens m's file, creating it (starting at start) when missing,
// and checks it. fi identifies the file opened (nil if it cannot be
// stat'ed).
func (a *Agent) openFile(m metric.Metric, start time.Time) (f *rrd.File, fi os.FileInfo, err error) {
	p := a.path(m)
	f, err = rrd.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		if err = rrd.Create(p, a.definition(m, start)); err == nil || errors.Is(err, fs.ErrExist) {
			if err == nil {
				a.log.Info("created", "file", p)
				// rrd.Create makes files 0644, as rrdtool does with the
				// usual umask; key timings are nobody else's business.
				if cerr := os.Chmod(p, privateFile); cerr != nil {
					a.log.Warn("could not make the file private", "file", p, "err", cerr)
				}
			}
			f, err = rrd.Open(p)
		}
	}
	if err != nil {
		if errors.Is(err, rrd.ErrInvalid) {
			return a.replaceBad(m, start, err)
		}
		return nil, nil, fmt.Errorf("agent: open %s: %w", p, err)
	}
	if err := a.checkFile(m, f); err != nil {
		f.Close()
		if errors.Is(err, errForeign) {
			return a.replaceBad(m, start, err)
		}
		return nil, nil, err
	}
	fi, _ = os.Stat(p)
	return f, fi, nil
}

// errForeign is matched by checkFile's error for an RRD file that is valid
// but not one Rogue can write its metric into.
var errForeign = errors.New("not a file of this metric")

// BadFile is an RRD file the agent could not continue (garbage, truncated,
// another machine's layout, more than one data source) and set aside under
// a new name, starting a fresh file in its place.
type BadFile struct {
	Metric string    // the metric's name
	Aside  string    // where the file is now: <Name>.rrd.bad-<UTC time>
	Reason string    // what is wrong with it
	Time   time.Time // when it was set aside
}

// replaceBad sets m's unusable file aside (renamed, never deleted), records
// and logs it, and opens a new file in its place, so that one bad file
// stops only its own series, and only until the new file is made.
func (a *Agent) replaceBad(m metric.Metric, start time.Time, reason error) (*rrd.File, os.FileInfo, error) {
	p := a.path(m)
	now := a.now()
	base := p + ".bad-" + now.UTC().Format("20060102T150405Z")
	aside := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(p, aside); err != nil {
		return nil, nil, fmt.Errorf("agent: %s cannot be continued (%v), and it could not be set aside: %w", p, reason, err)
	}
	a.log.Warn("RRD file cannot be continued: set it aside and started a new one; the other metrics are not affected",
		"file", p, "aside", filepath.Base(aside), "reason", reason.Error())
	a.liveMu.Lock()
	a.bad = append(a.bad, BadFile{Metric: m.Name, Aside: aside, Reason: reason.Error(), Time: now})
	a.liveMu.Unlock()
	if err := rrd.Create(p, a.definition(m, start)); err != nil {
		return nil, nil, fmt.Errorf("agent: create %s: %w", p, err)
	}
	a.log.Info("created", "file", p)
	if err := os.Chmod(p, privateFile); err != nil {
		a.log.Warn("could not make the file private", "file", p, "err", err)
	}
	f, err := rrd.Open(p)
	if err != nil {
		return nil, nil, fmt.Errorf("agent: open %s: %w", p, err)
	}
	fi, _ := os.Stat(p)
	return f, fi, nil
}

// followPath makes file i the one now at its path: a file replaced under
// the running agent (restored from a backup, recreated by rrdtool or by
// "rogue agent --reset") is continued, a removed one created again, instead
// of writing on into a file no longer in the folder, where the forwarder,
// the export and rrdtool never see the samples. start is the creation time
// for a missing file.
func (a *Agent) followPath(i int, start time.Time) error {
	m := metric.All[i]
	p := a.path(m)
	fi, err := os.Stat(p)
	switch {
	case err == nil && a.fileIDs[i] == nil:
		a.fileIDs[i] = fi // could not be stat'ed when opened
		return nil
	case err == nil && os.SameFile(fi, a.fileIDs[i]):
		return nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("agent: %w", err) // keep the open file meanwhile
	}
	f, nfi, err := a.openFile(m, start)
	if err != nil {
		return err
	}
	a.files[i].Close()
	a.files[i], a.fileIDs[i] = f, nfi
	a.log.Warn("file was replaced or removed while running; continuing with the file now at its path", "file", p)
	return nil
}

// checkFile checks that an existing file can take m's samples and warns
// about settings that differ from what Rogue would create.
func (a *Agent) checkFile(m metric.Metric, f *rrd.File) error {
	def := f.Definition()
	p := f.Path()
	if len(def.DS) != 1 {
		return fmt.Errorf("agent: %s has %d data sources, Rogue writes one per file: %w", p, len(def.DS), errForeign)
	}
	ds := def.DS[0]
	if def.Step != a.step {
		a.log.Info("file continues with its own step", "file", p, "step", def.Step.String(), "interval", a.step.String())
	}
	if ds.Heartbeat < a.step {
		a.log.Warn("file's heartbeat is shorter than the interval: every sample will be unknown", "file", p,
			"heartbeat", ds.Heartbeat.String(), "interval", a.step.String())
	}
	if ds.Type != m.Type {
		a.log.Warn("file's data source type differs", "file", p, "type", string(ds.Type), "want", string(m.Type))
	}
	if m.Type == rrd.Derive && !math.IsNaN(ds.Max) {
		a.log.Warn("file's data source has a maximum: faster rates are stored as unknown", "file", p,
			"max", ds.Max, "fix", "rrdtool tune "+p+" --maximum "+ds.Name+":U")
	}
	return nil
}

// bindCollectors maps each collector's metric names to indexes.
func (a *Agent) bindCollectors() error {
	for _, c := range a.collectors {
		c.index = c.index[:0]
		for _, name := range c.metrics {
			i := metricIndex(name)
			if i < 0 {
				return fmt.Errorf("agent: collector %s: unknown metric %s", c.name, name)
			}
			c.index = append(c.index, i)
		}
	}
	return nil
}

func metricIndex(name string) int {
	for i, m := range metric.All {
		if m.Name == name {
			return i
		}
	}
	return -1
}

// Close closes the RRD files. Run closes them when it returns; Close is for
// an Agent that was never run, and may be called more than once.
func (a *Agent) Close() error {
	a.closeMu.Lock()
	defer a.closeMu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	var errs []error
	for _, f := range a.files {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	return errors.Join(errs...)
}

// Run samples every metric once per interval, at multiples of the interval
// since the Unix epoch, until ctx is done; a tick in flight is finished
// first. It returns nil when ctx ends it, and closes the files. An Agent
// runs once.
func (a *Agent) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("agent: Run called twice")
	}
	a.closeMu.Lock()
	closed := a.closed
	a.closeMu.Unlock()
	if closed {
		return errors.New("agent: Run after Close")
	}
	defer a.Close()
	defer a.startScoring(ctx)()

	tapCtx, stopTap := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { a.runKeys(tapCtx) })
	defer func() {
		stopTap()
		wg.Wait()
	}()

	if err := a.createMissing(); err != nil {
		return err
	}
	a.prime()
	a.log.Info("agent started", "prefix", a.cfg.Prefix, "interval", a.step.String(), "heartbeat", a.heartbeat.String())
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := a.now()
		timer.Reset(nextTick(now, a.step).Sub(now))
		select {
		case <-ctx.Done():
			a.log.Info("agent stopped")
			return nil
		case <-timer.C:
		}
		a.tick()
	}
}

// nextTick returns the first step boundary after now.
func nextTick(now time.Time, step time.Duration) time.Time {
	return now.Truncate(step).Add(step)
}

// sampleTime returns the step boundary a tick at now samples for: the
// latest boundary, or the next one when now is just short of it (a wall
// clock stepped back a little, a timer firing early).
func sampleTime(now time.Time, step time.Duration) time.Time {
	slack := min(step/10, time.Second)
	return now.Add(slack).Truncate(step)
}

// prime samples once before the first tick, so that the first tick already
// has CPU utilisation and live rates.
func (a *Agent) prime() {
	now := a.now()
	vals := a.sample(now)
	a.liveMu.Lock()
	copy(a.prevReading, vals)
	a.prevTime = now
	a.liveMu.Unlock()
}

// tick samples every collector, writes every file and publishes the values.
func (a *Agent) tick() {
	now := a.now()
	t := sampleTime(now, a.step)
	if !t.After(a.lastTick) && a.lastTick.Sub(t) <= a.heartbeat {
		a.log.Debug("tick skipped: not after the previous one", "time", t, "previous", a.lastTick)
		return
	}
	// A clock set back by more than the heartbeat (corrected after it ran
	// ahead) does not stop the ticks until it catches up again: the live
	// values go on, and write says why the files refuse the samples.
	a.lastTick = t
	vals := a.sample(now)
	a.write(t, vals)
	a.publish(t, vals)
	a.scoreTick(t)
	if a.cfg.OnTick != nil {
		a.cfg.OnTick(t)
	}
	a.log.Debug("tick", "time", t, "took", a.now().Sub(now))
}

// errBusy is a collector's error when its call of an earlier tick has not
// returned yet.
var errBusy = errors.New("still busy with an earlier tick")

// collectTimeout is how long a tick waits for its collectors.
func (a *Agent) collectTimeout() time.Duration { return min(a.step/2, 10*time.Second) }

// sample runs every collector concurrently, waits for them up to the
// deadline, and adds the key statistics. Metrics of collectors that failed
// or were late are unknown.
func (a *Agent) sample(now time.Time) []reading {
	vals := make([]reading, len(metric.All))
	type result struct {
		c   *collector
		out []reading
		err error
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.collectTimeout())
	defer cancel()
	results := make(chan result, len(a.collectors))
	pending := map[*collector]bool{}
	for _, c := range a.collectors {
		if !c.busy.CompareAndSwap(false, true) {
			a.errs.report(c.name, errBusy, now)
			continue
		}
		pending[c] = true
		go func() {
			out := make([]reading, len(c.index))
			err := c.collect(ctx, out)
			c.busy.Store(false)
			results <- result{c, out, err}
		}()
	}
	for len(pending) > 0 {
		select {
		case r := <-results:
			delete(pending, r.c)
			switch {
			case errors.Is(r.err, errPriming):
				a.log.Debug("collector primed", "source", r.c.name)
			default:
				a.errs.report(r.c.name, r.err, now)
			}
			if r.err == nil {
				for j, i := range r.c.index {
					vals[i] = r.out[j]
				}
			}
		case <-ctx.Done():
			for c := range pending {
				a.errs.report(c.name, fmt.Errorf("no answer within %v", a.collectTimeout()), now)
			}
			pending = nil
		}
	}
	kv := a.flushKeys(now)
	for i, v := range []float64{kv.Count, kv.DownDown, kv.UpDown, kv.Hold, kv.Speed} {
		vals[keyMetricBase+i] = gauge(v)
	}
	return vals
}

// keyMetricBase is the index in metric.All of KeyCount, followed by KeyDownDown,
// KeyUpDown, KeyHold and KeySpeed.
var keyMetricBase = metricIndex("KeyCount")

// write stores one sample in every file. A sample not newer than a file's
// last update (the clock went back) is skipped; the heartbeat turns long
// gaps into unknown.
func (a *Agent) write(t time.Time, vals []reading) {
	now := a.now()
	for i, m := range metric.All {
		s := rrd.Sample{Time: t}
		v := vals[i]
		switch {
		case !v.Known:
			s.Values = []float64{math.NaN()}
		case m.Type == rrd.Gauge:
			s.Values = []float64{v.Gauge}
		default:
			s.Raw = []string{strconv.FormatUint(v.Counter, 10)}
		}
		a.errs.report("open "+m.Name, a.followPath(i, t.Add(-time.Second)), now)
		err := a.files[i].Update(s)
		if errors.Is(err, rrd.ErrNotNewer) {
			a.log.Debug("sample skipped: not newer than the file's last update", "file", a.files[i].Path(), "time", t)
			err = nil
			// Far behind the file (the clock ran ahead once): nothing is
			// stored until the clock passes the file's last update, which
			// must not go unnoticed. The message stays the same tick after
			// tick, so it is logged once.
			if last, lerr := a.files[i].LastUpdate(); lerr == nil && last.Sub(t) > a.heartbeat {
				err = fmt.Errorf("the file's last update, %s, is later than the clock: no samples are stored until then; correct the clock, or move the file away (or --reset) to start over",
					last.Format(time.RFC3339))
			}
		}
		a.errs.report("write "+m.Name, err, now)
	}
}

// publish keeps the tick's values for Snapshot. Counters become rates.
func (a *Agent) publish(t time.Time, vals []reading) {
	a.liveMu.Lock()
	defer a.liveMu.Unlock()
	dt := t.Sub(a.prevTime).Seconds()
	for i, m := range metric.All {
		v := vals[i]
		x := math.NaN()
		switch {
		case !v.Known:
		case m.Type == rrd.Gauge:
			x = v.Gauge
		default:
			if p := a.prevReading[i]; p.Known && !a.prevTime.IsZero() && dt > 0 && v.Counter >= p.Counter {
				x = float64(v.Counter-p.Counter) / dt
			}
		}
		a.latest[i] = x
		a.history[i].push(x)
		a.prevReading[i] = v
	}
	a.prevTime = t
	a.liveTime = t
}

// Snapshot returns a copy of the live state. It is cheap and safe to call
// from any goroutine.
func (a *Agent) Snapshot() Snapshot {
	a.liveMu.RLock()
	s := Snapshot{Time: a.liveTime, Live: a.liveAt, Step: a.step, Series: make([]Series, len(metric.All))}
	useLive := a.liveVals != nil && a.liveAt.After(a.liveTime)
	for i, m := range metric.All {
		latest := a.latest[i]
		if useLive {
			latest = a.liveVals[i]
		}
		s.Series[i] = Series{Metric: m, Latest: latest, History: a.history[i].slice()}
	}
	s.BadFiles = slices.Clone(a.bad)
	a.liveMu.RUnlock()
	a.keyMu.Lock()
	s.Keys = a.keyStatus
	a.keyMu.Unlock()
	return s
}

// flushKeys ends the key interval at now and returns its statistics:
// unknown when the tap is not running; after a (re)start of the tap the
// interval counts from the start.
func (a *Agent) flushKeys(now time.Time) keyValues {
	a.keyMu.Lock()
	defer a.keyMu.Unlock()
	v := a.keys.flush(now)
	if !a.tapUp {
		return unknownKeys
	}
	return v
}

// Tap retry backoff: a tap that cannot run (no display, no permission yet)
// is retried, so that granting access or starting X needs no restart.
// Variables for tests.
var (
	tapRetryMin = 5 * time.Second
	tapRetryMax = time.Minute
)

// runKeys runs the key tap until ctx is done, restarting it with a backoff,
// and feeds its events into the key statistics. Why it is not running is
// logged once per distinct reason.
func (a *Agent) runKeys(ctx context.Context) {
	events := make(chan KeyEvent, 256)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case ev := <-events:
				a.keyEvent(ev)
			case <-ctx.Done():
				return
			}
		}
	})
	defer wg.Wait()

	wait := tapRetryMin
	// byGrant is set when the tap was restarted because the tap said access
	// had just been granted. If that restart fails for want of access too,
	// the grant is stale (macOS: trusted, yet no tap; see accessWaiter), and
	// the next wait is the back-off's, never another grant: a tap that
	// reports a grant at once and then fails at once would otherwise be
	// restarted in a tight loop.
	byGrant := false
	for {
		started := a.now()
		a.keyMu.Lock()
		a.keys.reset(started)
		a.liveKeys.reset(started)
		a.tapUp = true
		a.keyStatus.Flowing, a.keyStatus.Err = true, nil
		a.keyMu.Unlock()

		err := a.tap.Run(ctx, events)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("key tap stopped")
		}
		a.keyMu.Lock()
		a.tapUp = false
		a.keyStatus = KeyStatus{LastEvent: a.keyStatus.LastEvent, Err: err}
		logIt := err.Error() != a.tapErrMsg
		a.tapErrMsg = err.Error()
		a.keyMu.Unlock()
		if logIt {
			a.log.Warn("key events unavailable: key metrics are unknown; retrying in the background", "err", err.Error())
		}
		if a.now().Sub(started) > tapRetryMax {
			wait = tapRetryMin // it ran for a while: retry soon
			byGrant = false
		}
		useGrant := !byGrant
		if byGrant && errors.Is(err, ErrKeyAccess) {
			a.log.Debug("key tap: access was reported granted, yet the tap failed; backing off", "wait", wait)
		}
		ok, granted := a.waitForTapRetry(ctx, err, wait, useGrant)
		if !ok {
			return
		}
		byGrant = granted
		if !granted {
			wait = min(2*wait, tapRetryMax)
		}
	}
}

// accessWaiter is implemented by taps that can tell when the user grants
// access (the macOS Input Monitoring or Accessibility permission), so the
// agent restarts the tap at that moment instead of at its next back-off
// retry. A grant cuts one wait short, never two in a row: the system may
// report access granted while still refusing the tap.
type accessWaiter interface {
	// Retry returns a channel closed once access is granted (at once when
	// it is granted already).
	Retry(ctx context.Context) <-chan struct{}
}

// waitForTapRetry waits before the key tap is started again: wait, or less
// when useGrant is set and the tap reports that access was granted. It
// reports false when ctx ended, and whether the wait was cut short by a
// grant.
func (a *Agent) waitForTapRetry(ctx context.Context, err error, wait time.Duration, useGrant bool) (ok, byGrant bool) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var granted <-chan struct{}
	if w, ok := a.tap.(accessWaiter); ok && useGrant && errors.Is(err, ErrKeyAccess) {
		granted = w.Retry(wctx)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, false
	case <-t.C:
		return true, false
	case <-granted:
		return true, true
	}
}

// keyEvent adds one event to the statistics.
func (a *Agent) keyEvent(ev KeyEvent) {
	a.keyMu.Lock()
	defer a.keyMu.Unlock()
	if ev.Time.IsZero() {
		ev.Time = a.now()
	}
	a.keys.add(ev)
	a.liveKeys.add(ev)
	if a.keyStatus.Err != nil {
		a.keyStatus.Err = nil
	}
	if a.keyStatus.LastEvent.IsZero() || a.tapErrMsg != "" {
		a.log.Info("key events flowing")
		a.tapErrMsg = ""
	}
	a.keyStatus.LastEvent = ev.Time
}

var _ io.Closer = (*Agent)(nil)
