package tray

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// App is what the menu needs from the application: a snapshot of the state
// and one method per action. The menu calls every method on its own
// goroutine, one at a time; they must return promptly (start long work such
// as a dialog or an export in a goroutine and call [Menu.Refresh] as it
// progresses), because clicks arriving meanwhile are dropped by the tray
// library.
type App interface {
	// State returns the current state. It is called once per refresh.
	State() State

	// OpenCharts opens the history charts in the browser.
	OpenCharts()
	ToggleForwarding()
	ChooseServer()
	ExportCSV()
	KeyStats()
	ToggleLoginItem()
	OpenDataFolder()
	About()
	// Diagnostics shows what a support request needs (rogue doctor's
	// report).
	Diagnostics()
	// Quit asks the application to stop. The menu keeps running until the
	// context given to Run is done.
	Quit()
}

// item is one menu entry as the event loop drives it. The systray
// implementation is in systray.go; tests use a fake.
type item interface {
	SetTitle(string)
	SetChecked(bool)
	SetEnabled(bool)
	SetVisible(bool)
	Clicked() <-chan struct{}
}

// backend creates the items and the status item's decorations.
type backend interface {
	// Add appends an item; checkable items show a check mark when checked.
	Add(e Entry, checkable bool) item
	AddSeparator()
	SetTooltip(string)
}

// slot is one menu entry, what was last applied to it and what a click does.
type slot struct {
	item    item
	applied Entry
	onClick func()
	pick    func(*Labels) Entry
}

// loop is the menu's state on its goroutine.
type loop struct {
	app     App
	b       backend
	slots   []*slot
	metrics []*slot
	tooltip string
	// tipAt is when the tooltip was last set; now is the clock (tests).
	tipAt time.Time
	now   func() time.Time
	// updates counts item updates applied, for tests and benchmarks.
	updates int
	// iconAnomaly is true while the status icon shows its anomaly variant.
	iconAnomaly bool
	stats       *stats
}

// stats are counters of the refreshes done, readable from any goroutine.
type stats struct {
	refreshes atomic.Int64
	updates   atomic.Int64
	nanos     atomic.Int64
	maxNanos  atomic.Int64
	cpuNanos  atomic.Int64 // -1 when thread CPU time is not available
}

// Stats describes the work the menu has done: how many refreshes, how many
// item updates they applied, and the time they took (rendering, diffing and
// the tray library's calls).
type Stats struct {
	Refreshes int64
	Updates   int64
	Total     time.Duration // wall time
	Max       time.Duration // longest refresh, wall time
	// CPU is the CPU time of the refreshes (Linux: the menu goroutine's
	// thread); negative where it cannot be measured.
	CPU time.Duration
}

// MeanCPU is the average CPU time of a refresh; negative when unknown.
func (s Stats) MeanCPU() time.Duration {
	if s.CPU < 0 || s.Refreshes == 0 {
		return s.CPU
	}
	return s.CPU / time.Duration(s.Refreshes)
}

// Mean is the average time of a refresh.
func (s Stats) Mean() time.Duration {
	if s.Refreshes == 0 {
		return 0
	}
	return s.Total / time.Duration(s.Refreshes)
}

// build creates every item from the first labels.
func build(app App, b backend) *loop {
	l := &loop{app: app, b: b, stats: &stats{}, now: time.Now}
	first := Render(app.State())
	add := func(checkable bool, pick func(*Labels) Entry, onClick func()) *slot {
		e := pick(&first)
		s := &slot{item: b.Add(e, checkable), applied: e, onClick: onClick, pick: pick}
		l.slots = append(l.slots, s)
		return s
	}
	add(false, func(lb *Labels) Entry { return lb.Header }, nil)
	for i := range first.Metrics {
		s := add(false, func(lb *Labels) Entry {
			if i < len(lb.Metrics) {
				return lb.Metrics[i]
			}
			return Entry{Hidden: true}
		}, nil)
		l.metrics = append(l.metrics, s)
	}
	add(false, func(lb *Labels) Entry { return lb.Charts }, app.OpenCharts)
	l.addAnomalies(&first)
	b.AddSeparator()
	add(true, func(lb *Labels) Entry { return lb.Forward }, app.ToggleForwarding)
	add(false, func(lb *Labels) Entry { return lb.Server }, app.ChooseServer)
	add(false, func(lb *Labels) Entry { return lb.ForwardStatus }, nil)
	b.AddSeparator()
	add(false, func(lb *Labels) Entry { return lb.Export }, app.ExportCSV)
	add(false, func(lb *Labels) Entry { return lb.ExportStatus }, nil)
	add(false, func(lb *Labels) Entry { return lb.Keys }, app.KeyStats)
	add(false, func(lb *Labels) Entry { return lb.KeysHint }, nil)
	b.AddSeparator()
	add(true, func(lb *Labels) Entry { return lb.Login }, app.ToggleLoginItem)
	add(false, func(lb *Labels) Entry { return lb.DataFolder }, app.OpenDataFolder)
	b.AddSeparator()
	add(false, func(lb *Labels) Entry { return lb.About }, app.About)
	add(false, func(lb *Labels) Entry { return lb.Diagnostics }, app.Diagnostics)
	add(false, func(lb *Labels) Entry { return lb.Quit }, app.Quit)
	// Lines that come and go sit last, so that they never move an item.
	add(false, func(lb *Labels) Entry { return lb.Notice }, nil)
	add(false, func(lb *Labels) Entry { return lb.Warning }, nil)
	add(false, func(lb *Labels) Entry { return lb.SetAside }, nil)
	l.tooltip = first.Tooltip
	b.SetTooltip(first.Tooltip)
	return l
}

// TooltipInterval is the shortest time between two changes of the status
// item's tooltip.
const TooltipInterval = 10 * time.Second

// refresh renders the current state and applies what changed.
func (l *loop) refresh() {
	start := time.Now()
	cpu0, cpuOK := threadCPU()
	before := l.updates
	defer func() {
		if cpu1, ok := threadCPU(); ok && cpuOK && l.stats.cpuNanos.Load() >= 0 {
			l.stats.cpuNanos.Add(int64(cpu1 - cpu0))
		} else {
			l.stats.cpuNanos.Store(-1)
		}
		d := int64(time.Since(start))
		l.stats.refreshes.Add(1)
		l.stats.updates.Add(int64(l.updates - before))
		l.stats.nanos.Add(d)
		if d > l.stats.maxNanos.Load() {
			l.stats.maxNanos.Store(d)
		}
	}()
	lb := Render(l.app.State())
	for _, s := range l.slots {
		e := s.pick(&lb)
		if e == s.applied {
			continue
		}
		// Hide first and show last so that a changing item never flashes
		// its new title while hidden, and fields are set in one place.
		if e.Hidden != s.applied.Hidden && e.Hidden {
			s.item.SetVisible(false)
		}
		if e.Title != s.applied.Title {
			s.item.SetTitle(e.Title)
		}
		if e.Checked != s.applied.Checked {
			s.item.SetChecked(e.Checked)
		}
		if e.Disabled != s.applied.Disabled {
			s.item.SetEnabled(!e.Disabled)
		}
		if e.Hidden != s.applied.Hidden && !e.Hidden {
			s.item.SetVisible(true)
		}
		s.applied = e
		l.updates++
	}
	// The tooltip is two D-Bus signals per change and shows only on
	// hover: at most one change per TooltipInterval.
	if now := l.now(); lb.Tooltip != l.tooltip && (now.Sub(l.tipAt) >= TooltipInterval || now.Before(l.tipAt)) {
		l.tipAt = now
		l.tooltip = lb.Tooltip
		l.b.SetTooltip(lb.Tooltip)
	}
	l.applyAnomalyIcon(&lb)
}

// run is the event loop: it waits for a rebuild request or a click until ctx
// is done.
//
// The tray library drops a click when nobody is receiving on the item's
// channel at that moment, so every clickable item has a small goroutine that
// is always receiving and hands the click to the loop through a buffered
// channel; the loop itself selects over ctx, rebuild and that channel.
//
// opened, when not nil, receives when the menu is opened: onOpen is called
// then (it should take a fresh reading and ask for a refresh).
func (l *loop) run(ctx context.Context, rebuild <-chan struct{}, opened <-chan struct{}, onOpen func()) {
	// One thread for the loop, so that its CPU time can be measured.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clicks := make(chan *slot, 8)
	for _, s := range l.slots {
		if s.onClick == nil {
			continue
		}
		go func() {
			ch := s.item.Clicked()
			for {
				select {
				case _, ok := <-ch:
					if !ok {
						return
					}
					select {
					case clicks <- s:
					case <-ctx.Done():
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-rebuild:
			l.refresh()
		case s := <-clicks:
			s.onClick()
			l.refresh()
		case <-opened:
			if onOpen != nil {
				onOpen()
			}
		}
	}
}
