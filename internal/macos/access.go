package macos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// AccessState is where the Accessibility walk-through stands.
type AccessState int

const (
	// AccessUnknown means the system has not been asked yet.
	AccessUnknown AccessState = iota
	// AccessDenied means Rogue is not trusted and has not asked during this
	// run (or the user let the request lapse).
	AccessDenied
	// AccessWaiting means Rogue asked and is re-checking every few seconds
	// until the user turns Rogue on in System Settings.
	AccessWaiting
	// AccessGranted means Rogue is trusted: the key event tap may run.
	AccessGranted
	// AccessRevoked means Rogue was trusted earlier in this run and no
	// longer is.
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

// observe is the transition on learning whether the process is trusted.
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

// AccessOS is what the walk-through needs from the system.
type AccessOS interface {
	// Trusted reports whether this process may observe input events
	// (AXIsProcessTrustedWithOptions). With prompt set, an untrusted process
	// also gets the system's own alert, which adds Rogue, switched off, to
	// the Accessibility list.
	Trusted(prompt bool) bool
	// OpenSettings opens System Settings at Privacy & Security ›
	// Accessibility.
	OpenSettings(ctx context.Context) error
	// Explain shows message with a button to open System Settings and one to
	// decline; it reports whether the user chose to open them.
	Explain(ctx context.Context, message string) (bool, error)
}

// Why is the one sentence shown before the system's Accessibility prompt.
const Why = "Rogue counts how often and how fast you type – never which keys – " +
	"and macOS lets it see key presses only once you turn Rogue on under " +
	"System Settings › Privacy & Security › Accessibility."

// Hint is the one sentence the menu shows while key statistics are off.
const Hint = "To record typing rhythm, turn on Rogue in System Settings › Privacy & Security › Accessibility."

// Walkthrough drives the Accessibility walk-through: explain, prompt, open
// System Settings, re-check every few seconds, and report every change of
// state (granted, revoked) to whoever watches.
type Walkthrough struct {
	OS AccessOS
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
var ErrBusy = errors.New("macos: the Accessibility walk-through is already under way")

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

// Check asks the system (without prompting) and returns the updated state.
func (w *Walkthrough) Check() AccessState {
	trusted := w.OS.Trusted(false)
	return w.set(func(s AccessState) AccessState { return s.observe(trusted) })
}

// State returns the last known state without asking the system.
func (w *Walkthrough) State() AccessState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// Request runs the walk-through: unless already trusted, it explains why
// Rogue asks, and if the user agrees, shows the system prompt, opens System
// Settings and re-checks every Poll until access is granted, ctx ends or
// Patience runs out. It returns the final state; declining the explanation
// leaves the state as it was. When the explanation cannot be shown, the
// system prompt (which explains itself) still is. A Request while another
// is under way returns at once with ErrBusy.
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
	open, err := w.OS.Explain(ctx, Why)
	if err != nil {
		if ctx.Err() != nil {
			return w.State(), ctx.Err()
		}
		slog.Warn("macos: cannot explain the Accessibility request; prompting anyway", "err", err)
		open = true
	}
	if !open {
		return w.State(), nil
	}
	w.set(AccessState.request)
	if w.OS.Trusted(true) {
		return w.set(func(s AccessState) AccessState { return s.observe(true) }), nil
	}
	if err := w.OS.OpenSettings(ctx); err != nil {
		// The system prompt has its own button to open the settings, so
		// keep waiting.
		slog.Warn("macos: cannot open Accessibility settings", "err", err)
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
