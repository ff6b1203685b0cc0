package tray

import (
	"context"
	"sync/atomic"
	"time"

	"fyne.io/systray"
)

// Options are the status item's looks.
type Options struct {
	// Icon is a PNG shown in the Linux tray.
	Icon []byte
	// TemplateIcon is a PNG template image for the macOS menu bar (black
	// with alpha; macOS tints it). Empty: Icon is used.
	TemplateIcon []byte
	// AnomalyIcon and AnomalyTemplateIcon replace Icon and TemplateIcon
	// while any metric is anomalous; empty: the icon does not change.
	AnomalyIcon, AnomalyTemplateIcon []byte
	// OnReady, if set, is called once the menu is built.
	OnReady func()
	// OnOpen, if set, is called on the menu's goroutine each time the menu
	// is opened (macOS: menuWillOpen:; Linux: dbusmenu's "opened" event on
	// the root, which some tray hosts do not send). It must return promptly:
	// take a fresh reading in the background and call [Menu.Refresh].
	OnOpen func()
}

// Menu is Rogue's status item and menu.
type Menu struct {
	app     App
	opts    Options
	rebuild chan struct{}
	stats   atomic.Pointer[stats]
}

// New returns a menu that shows app's state. Nothing appears until Run.
func New(app App, opts Options) *Menu {
	return &Menu{app: app, opts: opts, rebuild: make(chan struct{}, 1)}
}

// Refresh asks the menu to re-read the state and update the labels that
// changed. It never blocks, so collectors may call it on every tick: requests
// made while one is pending are merged into it.
func (m *Menu) Refresh() {
	select {
	case m.rebuild <- struct{}{}:
	default:
	}
}

// Run shows the status item and runs the menu until ctx is done, then
// removes it. It must be called from the main goroutine (macOS runs its UI
// on the main thread) and only once per process: the tray library cannot be
// started twice.
//
// On Linux the item is published on the D-Bus session bus as a
// StatusNotifierItem; the caller should make sure a session bus is reachable
// first, since the tray library only logs when it is not.
func (m *Menu) Run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	onReady := func() {
		icon := m.opts.TemplateIcon
		if len(icon) == 0 {
			icon = m.opts.Icon
		}
		if len(icon) > 0 {
			systray.SetTemplateIcon(icon, m.opts.Icon)
		}
		l := build(m.app, sysBackend{opts: m.opts})
		m.stats.Store(l.stats)
		// The tray library drops the event unless someone is receiving at
		// that moment: receive it here at all times, and hand it to the
		// loop through a buffer of one.
		opened := make(chan struct{}, 1)
		go func() {
			for {
				select {
				case <-systray.TrayOpenedCh:
					select {
					case opened <- struct{}{}:
					default:
					}
				case <-ctx.Done():
					return
				}
			}
		}()
		go l.run(ctx, m.rebuild, opened, m.opts.OnOpen)
		if m.opts.OnReady != nil {
			m.opts.OnReady()
		}
		go func() {
			<-ctx.Done()
			systray.Quit()
		}()
	}
	setTitle()
	systray.Run(onReady, nil)
}

// Stats returns the refresh counters; zero before the menu is shown.
func (m *Menu) Stats() Stats {
	st := m.stats.Load()
	if st == nil {
		return Stats{}
	}
	return Stats{
		Refreshes: st.refreshes.Load(),
		Updates:   st.updates.Load(),
		Total:     time.Duration(st.nanos.Load()),
		Max:       time.Duration(st.maxNanos.Load()),
		CPU:       time.Duration(st.cpuNanos.Load()),
	}
}

// sysBackend makes fyne.io/systray items.
type sysBackend struct{ opts Options }

func (sysBackend) Add(e Entry, checkable bool) item {
	var it *systray.MenuItem
	if checkable {
		it = systray.AddMenuItemCheckbox(e.Title, "", e.Checked)
	} else {
		it = systray.AddMenuItem(e.Title, "")
	}
	if e.Disabled {
		it.Disable()
	}
	if e.Hidden {
		it.Hide()
	}
	return sysItem{it}
}

func (sysBackend) AddSeparator()       { systray.AddSeparator() }
func (sysBackend) SetTooltip(t string) { systray.SetTooltip(t) }

// sysItem adapts a systray.MenuItem to item.
type sysItem struct{ it *systray.MenuItem }

func (i sysItem) SetTitle(t string) { i.it.SetTitle(t) }

func (i sysItem) SetChecked(c bool) {
	if c {
		i.it.Check()
	} else {
		i.it.Uncheck()
	}
}

func (i sysItem) SetEnabled(on bool) {
	if on {
		i.it.Enable()
	} else {
		i.it.Disable()
	}
}

func (i sysItem) SetVisible(on bool) {
	if on {
		i.it.Show()
	} else {
		i.it.Hide()
	}
}

func (i sysItem) Clicked() <-chan struct{} { return i.it.ClickedCh }
