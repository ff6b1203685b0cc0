package macos

import (
	"errors"
	"fmt"
)

// ErrNoAccess is returned by RunKeyTap when the process has neither Input
// Monitoring nor Accessibility, or loses them while the tap runs.
var ErrNoAccess = errors.New("macos: Rogue is not allowed to observe key events (Input Monitoring)")

// ErrTapRefused is returned by RunKeyTap when macOS counts Rogue as allowed
// (Input Monitoring or Accessibility) and still refuses to create the key
// event tap: a stale grant, typically after an update or an ad-hoc rebuild
// changed the code signature, or a row removed from the privacy list.
// Asking again does not help; removing Rogue from the list and adding it
// again does (StaleHint says so in the menu's words).
var ErrTapRefused = errors.New("macos: macOS lists Rogue as allowed but refuses it a key event tap (stale permission)")

// tapCreateFailed is the error for a CGEventTapCreate that returned NULL,
// given whether Rogue then had Input Monitoring (listen) or Accessibility
// (trusted): without either it is a plain lack of access, which a grant
// cures; with one, a grant changes nothing.
func tapCreateFailed(listen, trusted bool) error {
	if listen || trusted {
		return fmt.Errorf("%w: CGEventTapCreate returned NULL", ErrTapRefused)
	}
	return fmt.Errorf("%w: CGEventTapCreate returned NULL", ErrNoAccess)
}

// CGEventType values the tap sees, from CoreGraphics' CGEventTypes.h.
const (
	kCGEventKeyDown                = 10
	kCGEventKeyUp                  = 11
	kCGEventTapDisabledByTimeout   = 0xFFFFFFFE
	kCGEventTapDisabledByUserInput = 0xFFFFFFFF
)

// tapAction is what the tap callback does with one event.
type tapAction int

const (
	tapIgnore   tapAction = iota
	tapDown               // report a key press
	tapUp                 // report a key release
	tapReenable           // the system disabled the tap: turn it back on
)

// classify decides what an event of type typ means. autorepeat reads the
// event's auto-repeat flag; it is called only for key-down events, and it
// is the only thing about the event other than its type that Rogue ever
// looks at: never the key code, characters or modifiers.
func classify(typ uint32, autorepeat func() bool) tapAction {
	switch typ {
	case kCGEventTapDisabledByTimeout, kCGEventTapDisabledByUserInput:
		return tapReenable
	case kCGEventKeyDown:
		if autorepeat() {
			return tapIgnore // a held key repeating is one press, not many
		}
		return tapDown
	case kCGEventKeyUp:
		return tapUp
	}
	return tapIgnore
}
