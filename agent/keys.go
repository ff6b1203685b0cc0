package agent

import (
	"context"
	"errors"
	"time"
)

// KeyEvent is one key transition: when it happened and whether the key went
// down or up. It deliberately carries no key identity (no key code, no
// character, no modifier state), so what was typed can never reach storage,
// logs or memory beyond the platform's tap.
type KeyEvent struct {
	Time time.Time // when the transition happened (wall clock)
	Down bool      // true for key-down, false for key-up
}

// KeyTap delivers the system-wide stream of key transitions.
//
// Run sends events until ctx is done, then returns nil (or ctx's error). It
// returns an error wrapping ErrKeyAccess or ErrNoDisplay when it cannot watch
// the keyboard, and any other error when the source fails later; the agent
// then retries with a backoff. Run must not close events, and must give up
// sending when ctx is done.
type KeyTap interface {
	Run(ctx context.Context, events chan<- KeyEvent) error
}

// NewKeyTap returns the platform's key tap: X11 RECORD on Linux, a
// CGEventTap on macOS, and elsewhere a tap that always fails with
// ErrKeyAccess.
func NewKeyTap() KeyTap { return newKeyTap() }

var (
	// ErrKeyAccess is returned (wrapped) by KeyTap.Run when the system
	// refuses to show key events: macOS Input Monitoring permission missing,
	// an X server without RECORD or refusing it, no tap on this platform.
	ErrKeyAccess = errors.New("no permission to watch key events")
	// ErrNoDisplay is returned (wrapped) by KeyTap.Run when there is no
	// display to watch: DISPLAY unset, no X server or window server.
	ErrNoDisplay = errors.New("no display to watch key events on")
	// ErrKeyRefused is returned (wrapped) by KeyTap.Run when the system
	// says Rogue is allowed to watch key events yet refuses it the tap
	// (macOS: a stale grant left by an earlier build). Granting again does
	// not help; removing Rogue from the privacy list and adding it again
	// does. The agent retries it with its back-off only.
	ErrKeyRefused = errors.New("the system lists Rogue as allowed but refuses it key events")
)
