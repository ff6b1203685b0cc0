package tray

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeItem records what the loop does to an item.
type fakeItem struct {
	mu      sync.Mutex
	e       Entry
	calls   []string
	clicked chan struct{}
}

func (f *fakeItem) record(c string, apply func(e *Entry)) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	apply(&f.e)
	f.mu.Unlock()
}
func (f *fakeItem) SetTitle(t string)        { f.record("title", func(e *Entry) { e.Title = t }) }
func (f *fakeItem) SetChecked(c bool)        { f.record("checked", func(e *Entry) { e.Checked = c }) }
func (f *fakeItem) SetEnabled(on bool)       { f.record("enabled", func(e *Entry) { e.Disabled = !on }) }
func (f *fakeItem) SetVisible(on bool)       { f.record("visible", func(e *Entry) { e.Hidden = !on }) }
func (f *fakeItem) Clicked() <-chan struct{} { return f.clicked }

func (f *fakeItem) ncalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

type fakeBackend struct {
	items   []*fakeItem
	seps    int
	tooltip string
}

func (b *fakeBackend) Add(e Entry, checkable bool) item {
	it := &fakeItem{e: e, clicked: make(chan struct{})}
	b.items = append(b.items, it)
	return it
}
func (b *fakeBackend) AddSeparator()       { b.seps++ }
func (b *fakeBackend) SetTooltip(t string) { b.tooltip = t }

// fakeApp serves a state the test changes and counts clicks.
type fakeApp struct {
	mu      sync.Mutex
	state   State
	clicks  []string
	clicked chan string
}

func (a *fakeApp) State() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.state
	s.Series = slices.Clone(s.Series)
	return s
}
func (a *fakeApp) set(f func(*State)) { a.mu.Lock(); f(&a.state); a.mu.Unlock() }
func (a *fakeApp) click(name string) {
	a.mu.Lock()
	a.clicks = append(a.clicks, name)
	a.mu.Unlock()
	if a.clicked != nil {
		a.clicked <- name
	}
}
func (a *fakeApp) ToggleForwarding() {
	a.set(func(s *State) { s.Forwarding = !s.Forwarding })
	a.click("ToggleForwarding")
}
func (a *fakeApp) OpenCharts()      { a.click("OpenCharts") }
func (a *fakeApp) ChooseServer()    { a.click("ChooseServer") }
func (a *fakeApp) ExportCSV()       { a.click("ExportCSV") }
func (a *fakeApp) KeyStats()        { a.click("KeyStats") }
func (a *fakeApp) ToggleLoginItem() { a.click("ToggleLoginItem") }
func (a *fakeApp) OpenDataFolder()  { a.click("OpenDataFolder") }
func (a *fakeApp) About()           { a.click("About") }
func (a *fakeApp) Diagnostics()     { a.click("Diagnostics") }
func (a *fakeApp) Quit()            { a.click("Quit") }

func twoMetrics() State {
	return State{Version: "t", Series: []Series{
		cpu(1, 2, 3),
		{Name: "MemoryPercent", Display: "Memory", Unit: "%", Min: 0, Max: 100, Latest: 40, History: []float64{40}},
	}}
}

// itemTitled finds the fake item whose current title is title.
func itemTitled(t *testing.T, b *fakeBackend, title string) *fakeItem {
	t.Helper()
	for _, it := range b.items {
		it.mu.Lock()
		got := it.e.Title
		it.mu.Unlock()
		if got == title {
			return it
		}
	}
	t.Fatalf("no item titled %q", title)
	return nil
}

func TestBuildCreatesEveryEntry(t *testing.T) {
	app := &fakeApp{state: twoMetrics()}
	b := &fakeBackend{}
	build(app, b)
	l := Render(app.State())
	wantTitles := []string{l.Metrics[0].Title, l.Metrics[1].Title, "Charts…", "Forward to Grok", "Grok Server…",
		"Export CSV…", "Keystroke statistics: off", "Start at Login", "Open Data Folder", "About Rogue t", "Diagnostics…", "Quit Rogue"}
	for _, w := range wantTitles {
		itemTitled(t, b, w)
	}
	// The header row, the metric rows, then Charts….
	if n := len(l.Metrics); b.items[n+1].e.Title != "Charts…" {
		t.Errorf("item after the header and the %d metric rows is %q, want Charts…", n, b.items[n+1].e.Title)
	}
	if b.seps == 0 {
		t.Error("no separators")
	}
	if b.tooltip != l.Tooltip {
		t.Errorf("tooltip %q, want %q", b.tooltip, l.Tooltip)
	}
}

func TestRefreshUpdatesOnlyChangedLabels(t *testing.T) {
	app := &fakeApp{state: twoMetrics()}
	b := &fakeBackend{}
	l := build(app, b)

	l.refresh()
	for i, it := range b.items {
		if it.ncalls() != 0 {
			t.Errorf("item %d (%q) updated %v with nothing changed", i, it.e.Title, it.calls)
		}
	}

	// One new CPU sample changes the CPU row and the tooltip only.
	app.set(func(s *State) {
		s.Series[0].History = append(slices.Clone(s.Series[0].History), 90)
		s.Series[0].Latest = 90
	})
	l.refresh()
	if l.updates != 1 {
		t.Errorf("%d items updated, want 1", l.updates)
	}
	if got := b.items[1].calls; !slices.Equal(got, []string{"title"}) {
		t.Errorf("CPU row calls %v, want [title]", got)
	}
	if got, want := b.items[1].e.Title, MetricTitle(app.State().Series[0]); got != want {
		t.Errorf("CPU row %q, want %q", got, want)
	}
	if b.items[2].ncalls() != 0 {
		t.Errorf("Memory row updated: %v", b.items[2].calls)
	}
	if want := "Rogue: CPU 90% · Memory 40%"; b.tooltip != want {
		t.Errorf("tooltip %q, want %q", b.tooltip, want)
	}
}

func TestRefreshShowsAndHidesLines(t *testing.T) {
	app := &fakeApp{state: twoMetrics()}
	b := &fakeBackend{}
	l := build(app, b)
	var warning *fakeItem
	for _, s := range l.slots {
		if s.applied.Title == "⚠ " {
			warning = s.item.(*fakeItem)
		}
	}
	if warning == nil || !warning.e.Hidden {
		t.Fatal("no hidden warning line at start")
	}
	app.set(func(s *State) { s.Warning = "settings.json was unreadable" })
	l.refresh()
	if warning.e.Hidden || warning.e.Title != "⚠ settings.json was unreadable" {
		t.Errorf("warning = %+v, want visible with text", warning.e)
	}
	// The title is set before the line is shown.
	if got := warning.calls; !slices.Equal(got, []string{"title", "visible"}) {
		t.Errorf("warning calls %v, want [title visible]", got)
	}
	app.set(func(s *State) { s.Warning = "" })
	l.refresh()
	if !warning.e.Hidden {
		t.Errorf("warning = %+v, want hidden again", warning.e)
	}
}

// TestOpenedTakesAFreshReading: the menu's "opened" event calls OnOpen on
// the loop, which then refreshes when asked.
func TestOpenedTakesAFreshReading(t *testing.T) {
	app := &fakeApp{state: twoMetrics()}
	b := &fakeBackend{}
	l := build(app, b)
	ctx, cancel := context.WithCancel(context.Background())
	rebuild, opened := make(chan struct{}, 1), make(chan struct{}, 1)
	calls := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		l.run(ctx, rebuild, opened, func() {
			app.set(func(s *State) { s.Series[0].Latest = 77 })
			rebuild <- struct{}{}
			calls <- struct{}{}
		})
		close(done)
	}()
	defer func() { cancel(); <-done }()
	opened <- struct{}{}
	select {
	case <-calls:
	case <-time.After(10 * time.Second):
		t.Fatal("OnOpen not called after the opened event")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.items[1].mu.Lock()
		title := b.items[1].e.Title
		b.items[1].mu.Unlock()
		if strings.Contains(title, "77%") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPU row %q after opening, want the fresh 77%%", title)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClicksCallAppAndRefresh(t *testing.T) {
	app := &fakeApp{state: twoMetrics(), clicked: make(chan string, 1)}
	b := &fakeBackend{}
	l := build(app, b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.run(ctx, make(chan struct{}), nil, nil); close(done) }()
	defer func() { cancel(); <-done }()

	for _, c := range []struct{ title, call string }{
		{"Charts…", "OpenCharts"},
		{"Forward to Grok", "ToggleForwarding"},
		{"Grok Server…", "ChooseServer"},
		{"Export CSV…", "ExportCSV"},
		{"Keystroke statistics: off", "KeyStats"},
		{"Start at Login", "ToggleLoginItem"},
		{"Open Data Folder", "OpenDataFolder"},
		{"About Rogue t", "About"},
		{"Diagnostics…", "Diagnostics"},
		{"Quit Rogue", "Quit"},
	} {
		it := itemTitled(t, b, c.title)
		it.clicked <- struct{}{}
		select {
		case got := <-app.clicked:
			if got != c.call {
				t.Errorf("clicking %q called %s, want %s", c.title, got, c.call)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("clicking %q called nothing", c.title)
		}
	}
	// The toggle's new state reaches the checkbox without waiting for a tick.
	fwd := itemTitled(t, b, "Forward to Grok")
	deadline := time.Now().Add(5 * time.Second)
	for {
		fwd.mu.Lock()
		checked := fwd.e.Checked
		fwd.mu.Unlock()
		if checked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Forward to Grok not checked after the click")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	app := &fakeApp{state: twoMetrics()}
	l := build(app, &fakeBackend{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.run(ctx, make(chan struct{}), nil, nil); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestRefreshNeverBlocks(t *testing.T) {
	m := New(&fakeApp{}, Options{})
	// Nobody is receiving: every call must return at once.
	for range 1000 {
		m.Refresh()
	}
	if len(m.rebuild) != 1 {
		t.Errorf("%d pending rebuilds, want requests merged into 1", len(m.rebuild))
	}
}

// fullState is a realistic menu: 13 metrics with 60 samples each.
func fullState() State {
	s := State{Version: "1.0.0", Forwarding: true, Server: "https://grok.local", ForwardStatus: "Sent 1 s ago · 0 pending"}
	for i := range 13 {
		h := make([]float64, 60)
		for j := range h {
			h[j] = float64((i*7 + j*13) % 100)
		}
		h[10] = math.NaN()
		s.Series = append(s.Series, Series{Name: "M", Display: "Metric", Unit: "bytes/s", Min: 0, Max: math.NaN(), Latest: h[59], History: h})
	}
	return s
}

// BenchmarkRender measures drawing the whole menu once, the pure part of a
// per-tick refresh (the budget is 1 ms of CPU per tick).
func BenchmarkRender(b *testing.B) {
	s := fullState()
	for b.Loop() {
		Render(s)
	}
}

// BenchmarkRefreshTick measures a tick's refresh through the event loop's
// diffing with every metric row changed, against a backend that does
// nothing: the menu's own cost per tick, without the tray library's.
func BenchmarkRefreshTick(b *testing.B) {
	app := &fakeApp{state: fullState()}
	l := build(app, nopBackend{})
	i := 0
	for b.Loop() {
		i++
		app.set(func(s *State) {
			for k := range s.Series {
				s.Series[k].Latest = float64(i)
				s.Series[k].History[59] = float64(i % 100)
			}
		})
		l.refresh()
	}
}

type nopBackend struct{}
type nopItem struct{}

func (nopBackend) Add(Entry, bool) item  { return nopItem{} }
func (nopBackend) AddSeparator()         {}
func (nopBackend) SetTooltip(string)     {}
func (nopItem) SetTitle(string)          {}
func (nopItem) SetChecked(bool)          {}
func (nopItem) SetEnabled(bool)          {}
func (nopItem) SetVisible(bool)          {}
func (nopItem) Clicked() <-chan struct{} { return nil }

func TestStatsCountRefreshes(t *testing.T) {
	app := &fakeApp{state: twoMetrics()}
	l := build(app, &fakeBackend{})
	l.refresh()
	app.set(func(s *State) { s.Series[1].Latest = 41 })
	l.refresh()
	st := Stats{Refreshes: l.stats.refreshes.Load(), Updates: l.stats.updates.Load(), Total: time.Duration(l.stats.nanos.Load())}
	if st.Refreshes != 2 || st.Updates != 1 || st.Total <= 0 || st.Mean() != st.Total/2 {
		t.Errorf("stats %+v, want 2 refreshes with 1 update and some time", st)
	}
	if (Stats{}).Mean() != 0 {
		t.Error("Mean of no refreshes is not 0")
	}
	if got := New(app, Options{}).Stats(); got != (Stats{}) {
		t.Errorf("Stats before Run = %+v, want zero", got)
	}
}

// TestTooltipChangesAtMostEveryInterval: the tooltip, two D-Bus signals per
// change, follows the values at most once per TooltipInterval.
func TestTooltipChangesAtMostEveryInterval(t *testing.T) {
	app := &fakeApp{state: twoMetrics()}
	b := &fakeBackend{}
	l := build(app, b)
	now := time.Now()
	l.now = func() time.Time { return now }
	setCPU := func(v float64) {
		app.set(func(s *State) { s.Series[0].Latest = v })
		l.refresh()
	}
	setCPU(50)
	if b.tooltip != "Rogue: CPU 50% · Memory 40%" {
		t.Fatalf("tooltip %q after the first change", b.tooltip)
	}
	now = now.Add(TooltipInterval / 2)
	setCPU(60)
	if b.tooltip != "Rogue: CPU 50% · Memory 40%" {
		t.Errorf("tooltip %q changed within %v", b.tooltip, TooltipInterval)
	}
	now = now.Add(TooltipInterval)
	setCPU(70)
	if b.tooltip != "Rogue: CPU 70% · Memory 40%" {
		t.Errorf("tooltip %q after %v, want the new value", b.tooltip, TooltipInterval)
	}
}
