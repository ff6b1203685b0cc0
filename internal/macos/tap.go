package macos

import "errors"

// ErrNoAccess is returned by RunKeyTap when the process is not trusted for
// Accessibility, or stops being trusted while the tap runs.
var ErrNoAccess = errors.New("macos: Rogue is not allowed to observe key events (Accessibility)")

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
