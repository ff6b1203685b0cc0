package tray

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

func TestLikelihood(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		want string
	}{
		{0, "0%"},
		{0.5, "50%"},
		{0.97, "97%"},
		{0.999, "99.9%"},
		{0.99999, "99.999%"},
		{0.9999999, "99.99999%"},
		{1, "100%"},
		{math.NaN(), Unknown},
	} {
		if got := Likelihood(tc.p); got != tc.want {
			t.Errorf("Likelihood(%v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// TestGrokColor checks Grok's colouring: ln(1.0000000001 − L)/ln(1e-10),
// red from 0.5, yellow from 0.4.
func TestGrokColor(t *testing.T) {
	for _, tc := range []struct {
		l    float64
		want string
	}{
		{0, "green"},
		{0.5, "green"},
		{0.999, "green"},
		{0.9999, "green"}, // level 0.3999999996: the 1e-10 offset keeps it below 0.4
		{0.99991, "yellow"},
		{0.99999, "yellow"}, // level 0.4999996
		{0.999991, "red"},
		{1, "red"},
	} {
		if got := GrokColor(tc.l); got != tc.want {
			t.Errorf("GrokColor(%v) = %s (level %v), want %s", tc.l, got, GrokLevel(tc.l), tc.want)
		}
	}
	if lv := GrokLevel(0); math.Abs(lv) > 1e-9 {
		t.Errorf("GrokLevel(0) = %v", lv)
	}
}

func TestScoreAndGrokMarks(t *testing.T) {
	for _, tc := range []struct {
		name      string
		score, th float64
		grok      GrokVerdict
		want      string
	}{
		{"calm", 0.2, 0.5, GrokVerdict{}, ""},
		{"at the threshold", 0.5, 0.5, GrokVerdict{}, "  ⚠ 50%"},
		{"unknown score", math.NaN(), 0.5, GrokVerdict{}, ""},
		{"marks off", 0.99, 0, GrokVerdict{}, ""},
		{"grok red", 0.1, 0.5, GrokVerdict{Known: true, Score: 0.999995}, " · Grok 99.999% (red)"},
		{"grok calm", 0.1, 0.5, GrokVerdict{Known: true, Score: 0.3}, " · Grok 30%"},
		{"grok probation", 0.9, 0.5, GrokVerdict{Known: true, Score: 0, Status: "probation"}, "  ⚠ 90% · Grok: probation"},
		{"grok no score", 0.1, 0.5, GrokVerdict{Known: true, Score: math.NaN()}, " · Grok: no score yet"},
	} {
		if got := ScoreMark(tc.score, tc.th) + GrokMark(tc.grok); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// anomalous returns the two-metric state with the CPU row's score at 0.97.
func anomalous(s State) State {
	s.Anomalies = AnomalyState{
		Threshold: 0.5,
		Scores:    []MetricScore{{Score: 0.97}, {Score: 0.1}},
		Recent:    []Anomaly{{Time: time.Now().Add(-time.Minute), Display: "CPU", Unit: "%", Value: 93, Score: 0.97}},
	}
	return s
}

func TestRenderMarksAnAnomalousMetric(t *testing.T) {
	calm := twoMetrics()
	calm.Anomalies = AnomalyState{Threshold: 0.5, Scores: []MetricScore{{Score: 0.1}, {Score: math.NaN()}}}
	l := Render(calm)
	if l.Anomaly.Active || strings.Contains(l.Metrics[0].Title, "⚠") {
		t.Errorf("calm state marked: %+v", l.Anomaly)
	}
	if l.Anomaly.Rows[0].Title != "No anomalies yet" || !l.Anomaly.Rows[1].Hidden || l.Anomaly.Menu.Title != "Anomalies" {
		t.Errorf("calm submenu: %+v", l.Anomaly)
	}

	l = Render(anomalous(twoMetrics()))
	if !l.Anomaly.Active {
		t.Error("not active with a score above the threshold")
	}
	if want := MetricTitle(twoMetrics().Series[0]) + "  ⚠ 97%"; l.Metrics[0].Title != want {
		t.Errorf("CPU row %q, want %q", l.Metrics[0].Title, want)
	}
	if strings.Contains(l.Metrics[1].Title, "⚠") {
		t.Errorf("calm Memory row marked: %q", l.Metrics[1].Title)
	}
	if r := l.Anomaly.Rows[0].Title; !strings.Contains(r, "CPU 93%  ⚠ 97%") || !l.Anomaly.Rows[0].Disabled {
		t.Errorf("recent row %+v", l.Anomaly.Rows[0])
	}
	if l.Anomaly.Menu.Title != "Anomalies: now" || l.Anomaly.Info.Title != "Marked at a likelihood of 50%" {
		t.Errorf("submenu %+v", l.Anomaly)
	}
}

// subBackend is the fake backend with submenus and an icon.
type subBackend struct {
	fakeBackend
	icons []bool
}

type fakeMenu struct {
	*fakeItem
	b *subBackend
}

func (m fakeMenu) AddSub(e Entry, checkable bool) item { return m.b.Add(e, checkable) }

func (b *subBackend) AddSubmenu(e Entry) submenu {
	return fakeMenu{b.Add(e, false).(*fakeItem), b}
}
func (b *subBackend) SetAnomalyIcon(on bool) { b.icons = append(b.icons, on) }

// notifyApp is the fake app with the notification toggle.
type notifyApp struct{ fakeApp }

func (a *notifyApp) ToggleAnomalyNotifications() {
	a.set(func(s *State) { s.Anomalies.Notify = !s.Anomalies.Notify })
	a.click("ToggleAnomalyNotifications")
}

func TestMenuFlagsAPlantedAnomaly(t *testing.T) {
	app := &notifyApp{fakeApp{state: twoMetrics(), clicked: make(chan string, 1)}}
	app.state.Anomalies.Threshold = 0.5
	b := &subBackend{}
	l := build(app, b)
	itemTitled(t, &b.fakeBackend, "Anomalies")
	itemTitled(t, &b.fakeBackend, "No anomalies yet")
	notify := itemTitled(t, &b.fakeBackend, "Notify of Anomalies")
	if len(b.icons) != 0 {
		t.Errorf("icon switched at build while calm: %v", b.icons)
	}

	app.set(func(s *State) { *s = anomalous(*s) })
	l.refresh()
	want := Render(app.State())
	itemTitled(t, &b.fakeBackend, want.Metrics[0].Title)
	itemTitled(t, &b.fakeBackend, "Anomalies: now")
	itemTitled(t, &b.fakeBackend, want.Anomaly.Rows[0].Title)
	l.refresh()
	if len(b.icons) != 1 || !b.icons[0] {
		t.Errorf("icon switches %v, want one to the anomaly variant", b.icons)
	}

	app.set(func(s *State) { s.Anomalies.Scores[0].Score = 0.2 })
	l.refresh()
	if len(b.icons) != 2 || b.icons[1] {
		t.Errorf("icon switches %v, want back to normal", b.icons)
	}
	itemTitled(t, &b.fakeBackend, "Anomalies (1)")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.run(ctx, make(chan struct{}), nil, nil)
	notify.clicked <- struct{}{}
	if got := <-app.clicked; got != "ToggleAnomalyNotifications" {
		t.Fatalf("click on the notify item: %s", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		notify.mu.Lock()
		on := notify.e.Checked
		notify.mu.Unlock()
		if on {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("notify item not checked after the click")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMenuWithoutSubmenusLeavesAnomaliesOut: a backend without submenus
// gets the marks in the metric rows but no submenu items.
func TestMenuWithoutSubmenusLeavesAnomaliesOut(t *testing.T) {
	app := &fakeApp{state: anomalous(twoMetrics())}
	b := &fakeBackend{}
	build(app, b)
	itemTitled(t, b, Render(app.State()).Metrics[0].Title)
	for _, it := range b.items {
		if strings.HasPrefix(it.e.Title, "Anomalies") {
			t.Errorf("submenu item %q on a backend without submenus", it.e.Title)
		}
	}
}
