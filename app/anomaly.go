package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/rogue-metrics/rogue/agent"
	"github.com/rogue-metrics/rogue/anomaly"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
	"github.com/rogue-metrics/rogue/sync"
	"github.com/rogue-metrics/rogue/tray"
)

// notifier shows a desktop notification: org.freedesktop.Notifications on
// Linux (notify_linux.go), UNUserNotificationCenter on macOS
// (notify_darwin.go).
type notifier interface {
	Notify(ctx context.Context, title, body string) error
}

// markHold is how long a metric stays marked after its score was at or
// above the threshold. The detector answers an anomaly with one high score
// (then it rests), so without a hold the mark would last a single tick: a
// second at a 1 s interval.
const markHold = 5 * time.Minute

// anomalies follows the agent's anomaly scores: it marks the metrics at or
// above the threshold (for markHold at least, with the episode's peak
// likelihood), remembers the recent anomalies (one per episode: a run of
// scores at or above the threshold) and says which episodes started, for
// the notifications. Grok's verdicts are kept beside.
type anomalies struct {
	// source gives the latest scores and whether the warm-up is over:
	// the agent's Scores.
	source func() ([]agent.Score, bool)

	recalled atomic.Bool // the stored scores were read (recall)

	mu     gosync.Mutex
	active []bool         // per metric: in an episode
	marks  []mark         // per metric: the latest episode's mark
	recent []tray.Anomaly // newest first, up to tray.MaxRecent
	grok   []tray.GrokVerdict
}

func newAnomalies(source func() ([]agent.Score, bool)) *anomalies {
	n := len(metric.All)
	return &anomalies{source: source, active: make([]bool, n), marks: make([]mark, n), grok: make([]tray.GrokVerdict, n)}
}

// mark is a metric's latest episode as the menu shows it.
type mark struct {
	until time.Time // the mark stays until then
	peak  float64   // the episode's highest score
}

// observe takes the latest scores (in metric.All order) and returns the
// anomalies whose episodes start now. Unknown scores leave a metric's
// episode as it is.
func (w *anomalies) observe(scores []agent.Score, threshold float64) []tray.Anomaly {
	w.mu.Lock()
	defer w.mu.Unlock()
	var started []tray.Anomaly
	for i, s := range scores {
		if i >= len(w.active) || math.IsNaN(s.Score) {
			continue
		}
		on := threshold > 0 && s.Score >= threshold
		if on {
			if !w.active[i] {
				w.marks[i].peak = 0
			}
			w.marks[i].until = s.Time.Add(markHold)
			w.marks[i].peak = max(w.marks[i].peak, s.Score)
		}
		if on && !w.active[i] {
			m := metric.All[i]
			a := tray.Anomaly{Time: s.Time, Display: m.Display, Unit: m.Unit, Value: s.Value, Score: s.Score}
			started = append(started, a)
			w.recent = append([]tray.Anomaly{a}, w.recent...)
			if len(w.recent) > tray.MaxRecent {
				w.recent = w.recent[:tray.MaxRecent]
			}
		}
		w.active[i] = on
	}
	return started
}

// state is the menu's view at now, from the latest scores. A metric marked
// less than markHold ago shows its episode's peak score.
func (w *anomalies) state(scores []agent.Score, warm bool, threshold float64, notify bool, now time.Time) tray.AnomalyState {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := tray.AnomalyState{
		Threshold: threshold,
		Recent:    append([]tray.Anomaly(nil), w.recent...),
		Notify:    notify,
		Warming:   !warm,
		Scores:    make([]tray.MetricScore, len(metric.All)),
	}
	for i := range st.Scores {
		st.Scores[i] = tray.MetricScore{Score: math.NaN(), Grok: w.grok[i]}
		if i < len(scores) && warm {
			sc := scores[i].Score
			if m := w.marks[i]; threshold > 0 && now.Before(m.until) && !(sc >= threshold) {
				sc = m.peak
			}
			st.Scores[i].Score = sc
		}
	}
	return st
}

// threshold is the anomaly threshold in effect: the settings' when it is
// a likelihood (0 < t <= 1), else the detector's default. A value out of
// range falls back alone, as a bad field should, instead of making the
// whole settings file unusable.
func (s settings) threshold() float64 {
	if t := s.AnomalyThreshold; t > 0 && t <= 1 {
		return t
	}
	return anomaly.Threshold
}

// checkAnomalies runs after each tick: it records the anomalies that start
// and, when notifications are on, shows one for each (in the background).
func (a *app) checkAnomalies() {
	if a.anomalies == nil {
		return
	}
	scores, warm := a.anomalies.source()
	if !warm {
		return // history, not news
	}
	a.mu.Lock()
	th, notify := a.eff.threshold(), a.eff.AnomalyNotify
	a.mu.Unlock()
	if a.prefix != "" && a.anomalies.recalled.CompareAndSwap(false, true) {
		until := a.now()
		a.bg.Go(func() {
			if err := a.anomalies.recall(a.prefix, until, th); err != nil {
				a.log.Info("past anomalies", "err", err)
			}
			a.refresh()
		})
	}
	started := a.anomalies.observe(scores, th)
	for _, an := range started {
		a.log.Info("anomaly", "metric", an.Display, "value", an.Value, "score", an.Score, "time", an.Time)
	}
	if !notify || a.notify == nil || len(started) == 0 || a.ctx == nil {
		return
	}
	a.bg.Go(func() {
		for _, an := range started {
			title, body := notification(an)
			ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
			err := a.notify.Notify(ctx, title, body)
			cancel()
			if err != nil {
				a.log.Info("notification not shown", "err", err)
				return
			}
		}
	})
}

// notification is the title and body of an anomaly's notification.
func notification(an tray.Anomaly) (title, body string) {
	return "Unusual " + an.Display,
		fmt.Sprintf("%s %s at %s (likelihood %s)", an.Display, tray.FormatValue(an.Value, an.Unit),
			an.Time.Format("15:04"), tray.Likelihood(an.Score))
}

// anomalyState is the menu's anomaly view (part of State).
func (a *app) anomalyState() tray.AnomalyState {
	if a.anomalies == nil {
		return tray.AnomalyState{}
	}
	scores, warm := a.anomalies.source()
	a.mu.Lock()
	th, notify := a.eff.threshold(), a.eff.AnomalyNotify
	a.mu.Unlock()
	return a.anomalies.state(scores, warm, th, notify, a.now())
}

// ToggleAnomalyNotifications implements tray.AnomalyApp.
func (a *app) ToggleAnomalyNotifications() {
	a.mu.Lock()
	on := !a.eff.AnomalyNotify
	a.mu.Unlock()
	a.saveSettings(func(s *settings) { s.AnomalyNotify = on })
	a.log.Info("anomaly notifications", "on", on)
	if on && a.notify == nil {
		a.setNotice("Notifications are not available on this system")
	}
}

// grokPollEvery is how often Grok's verdicts are read: Grok scores a
// model's rows as they arrive, at the forwarding interval at most.
const grokPollEvery = time.Minute

// pollGrok reads Grok's verdicts on every metric while a server and its
// API key are set, until ctx is done.
func (a *app) pollGrok(ctx context.Context) {
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.readGrok(ctx)
		t.Reset(grokPollEvery)
	}
}

// readGrok reads Grok's models and their latest rows once and updates the
// verdicts; with no server or key they are cleared.
func (a *app) readGrok(ctx context.Context) {
	a.mu.Lock()
	s := a.eff
	a.mu.Unlock()
	verdicts := make([]tray.GrokVerdict, len(metric.All))
	defer func() {
		a.anomalies.mu.Lock()
		a.anomalies.grok = verdicts
		a.anomalies.mu.Unlock()
		a.refresh()
	}()
	if s.Server == "" {
		return
	}
	key, err := loadAPIKey(s.Server)
	if err != nil {
		return
	}
	c, err := sync.NewClient(s.Server, key, sync.ClientOptions{CAFile: s.CAFile, PinSHA256: s.PinSHA256})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	models, err := c.Models(ctx)
	if err != nil {
		a.log.Debug("Grok verdicts", "err", err)
		return
	}
	latest, err := c.LatestModelData(ctx)
	if err != nil {
		a.log.Debug("Grok verdicts", "err", err)
		return
	}
	host, _ := os.Hostname()
	verdicts = grokVerdicts(models, latest, s.MetricPrefix, host)
}

// grokVerdicts matches Grok's models to Rogue's metrics (by the name sent,
// preferring the model whose resource is this host) and says each one's
// verdict: its latest score, or its status when it has none to give.
func grokVerdicts(models []sync.Model, latest map[string]sync.ModelRow, prefix, host string) []tray.GrokVerdict {
	out := make([]tray.GrokVerdict, len(metric.All))
	for i, m := range metric.All {
		name := sync.MetricName(prefix, m.Name)
		var best *sync.Model
		for j := range models {
			if models[j].Name != name {
				continue
			}
			if best == nil || models[j].Server == host && best.Server != host {
				best = &models[j]
			}
		}
		if best == nil {
			continue
		}
		v := tray.GrokVerdict{Known: true, Score: math.NaN()}
		row, hasRow := latest[best.UID]
		if hasRow {
			v.Score = row.AnomalyScore
		}
		switch {
		case best.Status == sync.ModelActive && hasRow && row.AnomalyScore == 0:
			// Grok reports 0 until the model's probation is over.
			v.Status = "probation"
		case best.Status != sync.ModelActive:
			v.Status = best.StatusText()
		}
		out[i] = v
	}
	return out
}

// recallSpan is how far back the stored scores are read at start, so that
// the Anomalies submenu still lists the day's anomalies after a restart.
const recallSpan = 24 * time.Hour

// recall reads the stored scores of the last recallSpan before
// until from the score files in prefix (agent.ScorePath) and adds their
// episodes to the recent anomalies, with the metrics' values from their
// files. Nothing is notified: these are past. The scores are read
// recallChunk rows at a time, so that a day at a 1 s step (86,400 rows per
// metric) never sits in memory at once.
func (w *anomalies) recall(prefix string, until time.Time, threshold float64) error {
	if threshold <= 0 {
		return nil
	}
	var found []tray.Anomaly
	var errs []error
	for _, m := range metric.All {
		eps, err := episodes(agent.ScorePath(prefix, m.Name), until.Add(-recallSpan), until, threshold)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		if len(eps) == 0 {
			continue
		}
		values := valuesAt(filepath.Join(prefix, m.Name+".rrd"), eps)
		for i, e := range eps {
			found = append(found, tray.Anomaly{Time: e.t, Display: m.Display, Unit: m.Unit, Value: values[i], Score: e.score})
		}
	}
	slices.SortFunc(found, func(x, y tray.Anomaly) int { return y.Time.Compare(x.Time) })
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range found {
		if !slices.ContainsFunc(w.recent, func(r tray.Anomaly) bool { return r.Time.Equal(f.Time) && r.Display == f.Display }) {
			w.recent = append(w.recent, f)
		}
	}
	slices.SortStableFunc(w.recent, func(x, y tray.Anomaly) int { return y.Time.Compare(x.Time) })
	if len(w.recent) > tray.MaxRecent {
		w.recent = w.recent[:tray.MaxRecent]
	}
	return errors.Join(errs...)
}

// recallChunk is how many rows recall reads from a score file at a time.
const recallChunk = 1024

// episode is the first row of a stretch of scores at or above the
// threshold (unknown rows do not end a stretch).
type episode struct {
	t     time.Time
	score float64
}

// episodes returns the newest tray.MaxRecent episodes, oldest first, of
// the full-resolution AVERAGE scores in path between from and to: older
// ones could never be listed.
func episodes(path string, from, to time.Time, threshold float64) ([]episode, error) {
	f, err := rrd.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var eps []episode
	on := false
	err = f.FetchChunks(rrd.Average, from, to, f.Definition().Step, recallChunk, func(r *rrd.Result) error {
		for i, row := range r.Rows {
			if len(row) == 0 || math.IsNaN(row[0]) {
				continue
			}
			s := row[0]
			if s >= threshold && !on {
				if len(eps) == tray.MaxRecent {
					eps = append(eps[:0], eps[1:]...)
				}
				eps = append(eps, episode{r.Time(i), s})
			}
			on = s >= threshold
		}
		return nil
	})
	return eps, err
}

// valuesAt returns the full-resolution AVERAGE values of path's first data
// source at the episodes' times, NaN where there is none.
func valuesAt(path string, eps []episode) []float64 {
	out := make([]float64, len(eps))
	for i := range out {
		out[i] = math.NaN()
	}
	f, err := rrd.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	step := f.Definition().Step
	for i, e := range eps {
		// Fetch answers the rows after its aligned start: the row at e.t.
		res, err := f.Fetch(rrd.Average, e.t.Add(-step), e.t.Add(-step), step)
		if err != nil {
			continue
		}
		for j, row := range res.Rows {
			if res.Time(j).Equal(e.t) && len(row) > 0 {
				out[i] = row[0]
			}
		}
	}
	return out
}
