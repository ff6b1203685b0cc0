package macos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// AccessState is where the key access walk-through stands.
type AccessState int

const (
	// AccessUnknown means the system has not been asked yet.
	AccessUnknown AccessState = iota
	// AccessDenied means Rogue may not see key events (neither Input
	// Monitoring nor Accessibility) and has not asked during this run (or
	// the user let the request lapse).
	AccessDenied
	// AccessWaiting means Rogue asked and is re-checking every few seconds
	// until the user turns Rogue on in the settings app.
	AccessWaiting
	// AccessGranted means Rogue has Input Monitoring or Accessibility: the
	// key event tap may run.
	AccessGranted
	// AccessRevoked means Rogue had access earlier in this run and no
	// longer has.
	AccessRevoked
)

func (s AccessState) String() string {
	switch s {
	case AccessUnknown:
		return "unknown"
	case AccessDenied:
		return "denied"
	case AccessWaiting:
		return "waiting"
	case AccessGranted:
		return "granted"
	case AccessRevoked:
		return "revoked"
	}
	return fmt.Sprintf("AccessState(%d)", int(s))
}

// observe is the transition on learning whether the process has access.
func (s AccessState) observe(trusted bool) AccessState {
	switch {
	case trusted:
		return AccessGranted
	case s == AccessGranted || s == AccessRevoked:
		return AccessRevoked
	case s == AccessWaiting:
		return AccessWaiting
	default:
		return AccessDenied
	}
}

// request is the transition when the user asks to enable key statistics.
func (s AccessState) request() AccessState {
	if s == AccessGranted {
		return s
	}
	return AccessWaiting
}

// lapse is the transition when the user has not granted access within the
// waiting period.
func (s AccessState) lapse() AccessState {
	if s == AccessWaiting {
		return AccessDenied
	}
	return s
}

// AccessOS is what the walk-through needs from the system. Either of two
// privacy permissions lets a listen-only key event tap run: Input
// Monitoring (kTCCServiceListenEvent, macOS 10.15 and later), the narrow
// one Rogue asks for, and Accessibility, which grants far more and is only
// accepted when the user gave it anyway.
type AccessOS interface {
	// ListenAccess reports whether Rogue has Input Monitoring
	// (CGPreflightListenEventAccess). It never prompts.
	ListenAccess() bool
	// Trusted reports whether Rogue is trusted for Accessibility
	// (AXIsProcessTrusted). It never prompts.
	Trusted() bool
	// ListenUndetermined reports whether the user has never answered the
	// Input Monitoring question (IOHIDCheckAccess says unknown): then
	// RequestListenAccess shows the system's alert.
	ListenUndetermined() bool
	// RequestListenAccess asks for Input Monitoring
	// (CGRequestListenEventAccess): the first time, the system shows its
	// alert (which has its own button to open the settings) and lists Rogue,
	// switched off, under Input Monitoring. It reports whether access is
	// granted.
	RequestListenAccess() bool
	// OpenSettings opens the settings app at Input Monitoring.
	OpenSettings(ctx context.Context) error
	// Explain shows message with a button to open the settings app and one
	// to decline; it reports whether the user chose to open them.
	Explain(ctx context.Context, message string) (bool, error)
}

// Why is the one sentence shown before Rogue asks for Input Monitoring, in
// the words of macOS version major (0 when unknown).
func Why(major int) string {
	return "Rogue counts how often and how fast you type – never which keys – " +
		"and macOS shows it key presses only once you turn Rogue on under " +
		SettingsFor(major).Path("Input Monitoring") + "."
}

// Hint is the one sentence the menu shows while key statistics are off for
// want of permission.
func Hint(major int) string {
	return "To record typing rhythm, turn on Rogue in " + SettingsFor(major).Path("Input Monitoring") + "."
}

// StaleHint is the one sentence the menu shows when macOS counts Rogue as
// allowed yet refuses it key events (ErrTapRefused).
func StaleHint(major int) string {
	return "macOS refuses key events although Rogue is allowed: in " +
		SettingsFor(major).Path("Input Monitoring") +
		" (and Accessibility, if listed there), select Rogue, remove it with “−”, then add it again with “+”."
}

// Walkthrough drives the permission walk-through: explain, ask the system
// for Input Monitoring, open the settings app, re-check every few seconds,
// and report every change of state (granted, revoked) to whoever watches.
// It shows one prompt at a time: the system's alert when the user has never
// been asked, and only after it was answered the settings pane.
type Walkthrough struct {
	OS AccessOS
	// Major is the macOS major version (12, 13, …), for the names of the
	// settings app in the explanation; 0 when unknown.
	Major int
	// Poll is how often the state is re-checked while waiting for the
	// user (default 2 s); Idle how often otherwise, to notice grants made
	// without asking and revocations (default 5 s).
	Poll, Idle time.Duration
	// Patience is how long Request waits for the user before giving up
	// (default 10 minutes); the idle re-check still notices a later grant.
	Patience time.Duration
	// NewTicker makes the re-check clock; tests replace it.
	NewTicker func(time.Duration) (<-chan time.Time, func())

	mu      sync.Mutex
	state   AccessState
	changed chan struct{} // closed and replaced on every state change
	busy    bool          // a Request is under way
}

// ErrBusy is returned by Walkthrough.Request while another Request runs.
var ErrBusy = errors.New("macos: the key access walk-through is already under way")

func (w *Walkthrough) ticker(d time.Duration) (<-chan time.Time, func()) {
	if w.NewTicker != nil {
		return w.NewTicker(d)
	}
	t := time.NewTicker(d)
	return t.C, t.Stop
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// set moves to s and wakes the watchers if it differs from the current
// state. It reports the new state.
func (w *Walkthrough) set(f func(AccessState) AccessState) AccessState {
	w.mu.Lock()
	defer w.mu.Unlock()
	next := f(w.state)
	if next != w.state {
		w.state = next
		if w.changed != nil {
			close(w.changed)
			w.changed = nil
		}
	}
	return next
}

// Changed returns a channel that is closed at the next change of state.
func (w *Walkthrough) Changed() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.changed == nil {
		w.changed = make(chan struct{})
	}
	return w.changed
}

// Check asks the system (without prompting) and returns the updated state:
// granted when Rogue has Input Monitoring or Accessibility.
func (w *Walkthrough) Check() AccessState {
	ok := w.granted()
	return w.set(func(s AccessState) AccessState { return s.observe(ok) })
}

func (w *Walkthrough) granted() bool { return w.OS.ListenAccess() || w.OS.Trusted() }

// State returns the last known state without asking the system.
func (w *Walkthrough) State() AccessState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// Request runs the walk-through: unless access is granted already, it
// explains why Rogue asks and, if the user agrees, asks the system for
// Input Monitoring and re-checks every Poll until access is granted, ctx
// ends or Patience runs out. It returns the final state; declining the
// explanation leaves the state as it was. When the explanation cannot be
// shown, the system's request (which explains itself) still is.
//
// One prompt at a time: when the user has never been asked, the system's
// alert is shown (it has its own button to open the settings) and the
// settings pane is opened only once that alert has been answered without
// granting access; when the user was asked before, the system shows no
// alert and the pane is opened at once. A Request while another is under
// way returns at once with ErrBusy.
func (w *Walkthrough) Request(ctx context.Context) (AccessState, error) {
	w.mu.Lock()
	if w.busy {
		w.mu.Unlock()
		return w.State(), ErrBusy
	}
	w.busy = true
	w.mu.Unlock()
	defer func() { w.mu.Lock(); w.busy = false; w.mu.Unlock() }()

	if s := w.Check(); s == AccessGranted {
		return s, nil
	}
	open, err := w.OS.Explain(ctx, Why(w.Major))
	if err != nil {
		if ctx.Err() != nil {
			return w.State(), ctx.Err()
		}
		slog.Warn("macos: cannot explain the key access request; asking anyway", "err", err)
		open = true
	}
	if !open {
		return w.State(), nil
	}
	w.set(AccessState.request)
	alert := w.OS.ListenUndetermined() // the request below shows the system's alert
	if w.OS.RequestListenAccess() {
		return w.set(func(s AccessState) AccessState { return s.observe(true) }), nil
	}
	openSettings := func() {
		if err := w.OS.OpenSettings(ctx); err != nil {
			slog.Warn("macos: cannot open the Input Monitoring settings", "err", err)
		}
	}
	if !alert {
		openSettings()
	}
	poll := orDefault(w.Poll, 2*time.Second)
	tick, stop := w.ticker(poll)
	defer stop()
	for left := max(int(orDefault(w.Patience, 10*time.Minute)/poll), 1); ; left-- {
		if left == 0 {
			return w.set(AccessState.lapse), nil
		}
		select {
		case <-ctx.Done():
			return w.set(AccessState.lapse), ctx.Err()
		case <-tick:
		}
		if s := w.Check(); s == AccessGranted {
			return s, nil
		}
		if alert && !w.OS.ListenUndetermined() {
			// The system's alert was answered without a grant (or its own
			// button opened the pane, which opening again only brings to
			// the front): now show the pane.
			alert = false
			openSettings()
		}
	}
}

// Watch re-checks every Idle until ctx ends, so that a grant made without
// Request, or a revocation, changes the state (and wakes Changed).
func (w *Walkthrough) Watch(ctx context.Context) {
	tick, stop := w.ticker(orDefault(w.Idle, 5*time.Second))
	defer stop()
	w.Check()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			w.Check()
		}
	}
}
