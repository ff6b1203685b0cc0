package main

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/agent"
	"github.com/rogue-metrics/rogue/anomaly"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
	"github.com/rogue-metrics/rogue/sync"
	"github.com/rogue-metrics/rogue/tray"
)

// recordingNotifier remembers the notifications asked for.
type recordingNotifier struct {
	sent chan [2]string
}

func (r *recordingNotifier) Notify(_ context.Context, title, body string) error {
	r.sent <- [2]string{title, body}
	return nil
}

// scoreSeq feeds the CPU metric's scores one tick at a time.
type scoreSeq struct {
	t0     time.Time
	scores []float64
	i      int
}

func (s *scoreSeq) next() ([]agent.Score, bool) {
	out := make([]agent.Score, len(metric.All))
	for j := range out {
		out[j] = agent.Score{Value: math.NaN(), Score: math.NaN()}
	}
	k := min(s.i, len(s.scores)-1)
	out[0] = agent.Score{Time: s.t0.Add(time.Duration(k) * time.Minute), Value: 90 + float64(k), Score: s.scores[k]}
	return out, true
}

func TestAnomalyNotificationsOncePerEpisode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		notify bool
		want   int
	}{
		{"on", true, 2},
		{"off", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := &scoreSeq{t0: time.Date(2026, 12, 1, 14, 3, 0, 0, time.Local),
				scores: []float64{0.1, 0.9, 0.95, math.NaN(), 0.99, 0.2, 0.3, 0.8, 0.85}}
			rec := &recordingNotifier{sent: make(chan [2]string, 16)}
			var logs bytes.Buffer
			now := seq.t0.Add(20 * time.Minute) // the marks are over
			a := &app{log: slog.New(slog.NewTextHandler(&logs, nil)), ctx: context.Background(), notify: rec,
				anomalies: newAnomalies(seq.next), now: func() time.Time { return now }}
			a.eff = defaultSettings()
			a.eff.AnomalyNotify = tc.notify
			for seq.i = range seq.scores {
				a.checkAnomalies()
			}
			a.bg.Wait()
			close(rec.sent)
			var got [][2]string
			for n := range rec.sent {
				got = append(got, n)
			}
			if len(got) != tc.want {
				t.Fatalf("%d notifications, want %d: %q", len(got), tc.want, got)
			}
			if tc.want > 0 && !slices.Contains(got, [2]string{"Unusual CPU", "CPU 91% at 14:04 (likelihood 90%)"}) {
				t.Errorf("notifications %q lack the first episode's", got)
			}
			st := a.anomalyState()
			if len(st.Recent) != 2 || st.Recent[0].Score != 0.8 || st.Recent[1].Score != 0.9 {
				t.Errorf("recent %+v, want the two episodes' first samples, newest first", st.Recent)
			}
			if st.Threshold != anomaly.Threshold || st.Scores[0].Score != 0.85 || !math.IsNaN(st.Scores[1].Score) {
				t.Errorf("state %+v", st)
			}
		})
	}
}

func TestAnomaliesWaitForTheWarmUp(t *testing.T) {
	rec := &recordingNotifier{sent: make(chan [2]string, 4)}
	cold := func() ([]agent.Score, bool) {
		return []agent.Score{{Time: time.Now(), Value: 1, Score: 0.99}}, false
	}
	a := &app{log: slog.New(slog.DiscardHandler), ctx: context.Background(), notify: rec, anomalies: newAnomalies(cold), now: time.Now}
	a.eff = defaultSettings()
	a.eff.AnomalyNotify = true
	a.checkAnomalies()
	a.bg.Wait()
	if len(rec.sent) != 0 {
		t.Error("notified of a score from the stored history")
	}
	st := a.anomalyState()
	if !st.Warming || !math.IsNaN(st.Scores[0].Score) {
		t.Errorf("while warming: %+v", st)
	}
}

func TestAnomalyThresholdSetting(t *testing.T) {
	for _, tc := range []struct {
		json    string
		want    float64
		invalid bool
	}{
		{`{}`, anomaly.Threshold, false},
		{`{"anomaly_threshold": 0.9}`, 0.9, false},
		{`{"anomaly_threshold": 1}`, 1, false},
		{`{"anomaly_threshold": 1.5}`, anomaly.Threshold, false},
		{`{"anomaly_threshold": -0.1}`, anomaly.Threshold, false},
		{`{"anomaly_threshold": "high"}`, 0, true},
	} {
		s := defaultSettings()
		// A field of the wrong type is reported and takes its default.
		fields, err := parseSettings([]byte(tc.json), &s)
		if (err != nil || len(fields) > 0) != tc.invalid {
			t.Errorf("%s: err %v, bad fields %v", tc.json, err, fields)
			continue
		}
		if !tc.invalid && s.threshold() != tc.want {
			t.Errorf("%s: threshold %v, want %v", tc.json, s.threshold(), tc.want)
		}
	}
	// The default is not written into the file, so that a better default
	// of a later version applies.
	p := filepath.Join(t.TempDir(), "settings.json")
	if err := defaultSettings().save(p); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if strings.Contains(string(b), "anomaly") {
		t.Errorf("default settings write anomaly keys:\n%s", b)
	}
}

func TestGrokVerdicts(t *testing.T) {
	models := []sync.Model{
		{UID: "cpu-other", Name: "rogue.CPUPercent", Server: "elsewhere", Status: sync.ModelActive},
		{UID: "cpu-here", Name: "rogue.CPUPercent", Server: "host1", Status: sync.ModelActive},
		{UID: "mem", Name: "rogue.MemoryPercent", Server: "host1", Status: sync.ModelActive},
		{UID: "disk", Name: "rogue.DiskReadBytes", Server: "host1", Status: sync.ModelError, Message: "bad data"},
		{UID: "keys", Name: "rogue.KeyCount", Server: "host1", Status: sync.ModelCreatePending},
		{UID: "net", Name: "rogue.NetworkBytesSent", Server: "host1", Status: sync.ModelActive},
	}
	latest := map[string]sync.ModelRow{
		"cpu-other": {AnomalyScore: 0.1},
		"cpu-here":  {AnomalyScore: 0.999995, RowID: 5000},
		"mem":       {AnomalyScore: 0, RowID: 12},
		"net":       {AnomalyScore: math.NaN(), RowID: 3000},
	}
	v := grokVerdicts(models, latest, "rogue", "host1")
	at := func(name string) tray.GrokVerdict {
		for i, m := range metric.All {
			if m.Name == name {
				return v[i]
			}
		}
		t.Fatalf("no metric %s", name)
		return tray.GrokVerdict{}
	}
	if g := at("CPUPercent"); !g.Known || g.Score != 0.999995 || g.Status != "" {
		t.Errorf("CPU: %+v (this host's model)", g)
	}
	if g := at("MemoryPercent"); g.Status != "probation" {
		t.Errorf("Memory: %+v", g)
	}
	if g := at("DiskReadBytes"); g.Status != "error: bad data" {
		t.Errorf("Disk: %+v", g)
	}
	if g := at("KeyCount"); g.Status != "starting" {
		t.Errorf("Keys: %+v", g)
	}
	if g := at("NetworkBytesSent"); g.Status != "" || !math.IsNaN(g.Score) {
		t.Errorf("Net: %+v", g)
	}
	if g := at("KeySpeed"); g.Known {
		t.Errorf("KeySpeed without a model: %+v", g)
	}
	if got := tray.GrokMark(at("CPUPercent")); got != " · Grok 99.999% (red)" {
		t.Errorf("CPU mark %q", got)
	}
}

// TestMarkIsHeld: the detector answers an anomaly with one high score; the
// menu keeps the mark, with that score, for markHold.
func TestMarkIsHeld(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	seq := &scoreSeq{t0: t0, scores: []float64{0.1, 0.97, 0.2, 0.1}}
	now := t0
	a := &app{log: slog.New(slog.DiscardHandler), ctx: context.Background(), anomalies: newAnomalies(seq.next),
		now: func() time.Time { return now }}
	a.eff = defaultSettings()
	for _, tc := range []struct {
		tick  int
		at    time.Duration
		score float64
	}{
		{0, 0, 0.1},
		{1, time.Minute, 0.97},
		{2, 2 * time.Minute, 0.97}, // held
		{3, time.Minute + markHold - time.Second, 0.97}, // still held
		{3, time.Minute + markHold + time.Second, 0.1},  // over
	} {
		seq.i = tc.tick
		now = t0.Add(tc.at)
		a.checkAnomalies()
		st := a.anomalyState()
		if st.Scores[0].Score != tc.score {
			t.Errorf("tick %d at +%v: score shown %v, want %v", tc.tick, tc.at, st.Scores[0].Score, tc.score)
		}
		marked := tray.Render(tray.State{Series: []tray.Series{{Display: "CPU"}}, Anomalies: st}).Anomaly.Active
		if marked != (tc.score >= anomaly.Threshold) {
			t.Errorf("tick %d at +%v: marked %v", tc.tick, tc.at, marked)
		}
	}
}

// TestRecallListsStoredAnomalies: after a restart the Anomalies submenu
// lists the episodes of the stored scores, with the metric's values.
func TestRecallListsStoredAnomalies(t *testing.T) {
	prefix := t.TempDir()
	const step = time.Minute
	until := time.Now().Truncate(step)
	start := until.Add(-10 * step)
	plant := func(path, ds string, vals ...float64) {
		t.Helper()
		os.MkdirAll(filepath.Dir(path), 0o700)
		err := rrd.Create(path, rrd.Definition{Step: step, Start: start,
			DS:  []rrd.DS{{Name: ds, Type: rrd.Gauge, Heartbeat: 10 * step, Min: math.NaN(), Max: math.NaN()}},
			RRA: []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: 100}}})
		if err != nil {
			t.Fatal(err)
		}
		f, err := rrd.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for i, v := range vals {
			if err := f.Update(rrd.Sample{Time: start.Add(time.Duration(i+1) * step), Values: []float64{v}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	plant(agent.ScorePath(prefix, "CPUPercent"), "CPUPercent", 0.1, 0.9, 0.95, math.NaN(), 0.99, 0.2, 0.7, 0.1)
	plant(filepath.Join(prefix, "CPUPercent.rrd"), "CPUPercent", 5, 80, 85, math.NaN(), 90, 6, 70, 5)

	w := newAnomalies(nil)
	live := tray.Anomaly{Time: start.Add(7 * step), Display: "CPU", Unit: "%", Value: 70, Score: 0.7}
	w.recent = []tray.Anomaly{live} // seen live already: not listed twice
	if err := w.recall(prefix, until, 0.5); err != nil {
		t.Fatal(err)
	}
	want := []tray.Anomaly{
		live,
		{Time: start.Add(2 * step), Display: "CPU", Unit: "%", Value: 80, Score: 0.9},
	}
	if len(w.recent) != len(want) {
		t.Fatalf("recent %+v, want %+v", w.recent, want)
	}
	for i := range want {
		if g := w.recent[i]; !g.Time.Equal(want[i].Time) || g.Value != want[i].Value || g.Score != want[i].Score {
			t.Errorf("recent[%d] = %+v, want %+v", i, g, want[i])
		}
	}
}

// TestRecallBoundedMemory: at a 1 s step the day that recall reads is
// 86,400 rows per file. Reading them all at once made the first start's
// peak RSS miss its 25 MB goal; recall reads them in parts.
func TestRecallBoundedMemory(t *testing.T) {
	prefix := t.TempDir()
	const step = time.Second
	until := time.Now().Truncate(step)
	start := until.Add(-recallSpan)
	n := int(recallSpan / step)
	plant := func(path string, value func(i int) float64) {
		t.Helper()
		os.MkdirAll(filepath.Dir(path), 0o700)
		err := rrd.Create(path, rrd.Definition{Step: step, Start: start,
			DS:  []rrd.DS{{Name: "CPUPercent", Type: rrd.Gauge, Heartbeat: 10 * step, Min: math.NaN(), Max: math.NaN()}},
			RRA: []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: n + 10}}})
		if err != nil {
			t.Fatal(err)
		}
		f, err := rrd.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		samples := make([]rrd.Sample, n)
		vals := make([]float64, n)
		for i := range samples {
			vals[i] = value(i)
			samples[i] = rrd.Sample{Time: start.Add(time.Duration(i+1) * step), Values: vals[i : i+1]}
		}
		if err := f.Update(samples...); err != nil {
			t.Fatal(err)
		}
	}
	// An episode every hour, 30 s long.
	score := func(i int) float64 {
		if i%3600 < 30 {
			return 0.9
		}
		return 0.1
	}
	plant(agent.ScorePath(prefix, "CPUPercent"), score)
	plant(filepath.Join(prefix, "CPUPercent.rrd"), func(i int) float64 { return float64(i % 100) })

	w := newAnomalies(nil)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := w.recall(prefix, until, 0.5); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	// The whole day at once is 86,400 rows of 40 bytes per file.
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("recall allocated %d bytes, want at most 1 MiB", got)
	}
	if len(w.recent) != tray.MaxRecent {
		t.Fatalf("recent: %d anomalies, want %d", len(w.recent), tray.MaxRecent)
	}
	for i, a := range w.recent {
		// The newest episodes, newest first: episode k starts at row
		// 3600k (the row at start + (3600k+1) s).
		k := n/3600 - 1 - i
		want := start.Add(time.Duration(3600*k+1) * step)
		if !a.Time.Equal(want) || a.Score != 0.9 || a.Value != float64((3600*k)%100) {
			t.Errorf("recent[%d] = %+v, want time %v, score 0.9, value %v", i, a, want, (3600*k)%100)
		}
	}
}
