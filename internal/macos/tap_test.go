package macos

import (
	"errors"
	"testing"
)

func TestClassifyMisreadsEvents(t *testing.T) {
	for _, tc := range []struct {
		name       string
		typ        uint32
		repeat     bool
		want       tapAction
		readsFlags bool
	}{
		{"key down", kCGEventKeyDown, false, tapDown, true},
		{"auto-repeat", kCGEventKeyDown, true, tapIgnore, true},
		{"key up", kCGEventKeyUp, false, tapUp, false},
		{"disabled by timeout", kCGEventTapDisabledByTimeout, false, tapReenable, false},
		{"disabled by user input", kCGEventTapDisabledByUserInput, false, tapReenable, false},
		{"flags changed", 12, false, tapIgnore, false},
		{"mouse down", 1, false, tapIgnore, false},
	} {
		read := false
		got := classify(tc.typ, func() bool { read = true; return tc.repeat })
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if read != tc.readsFlags {
			t.Errorf("%s: read the auto-repeat flag: %v, want %v", tc.name, read, tc.readsFlags)
		}
	}
}

// TestTapCreateFailureWhileAllowedIsNotNoAccess: a NULL tap while Rogue
// counts as allowed is a stale grant, not a lack of access; reported as
// "no access" it sent the agent straight back (access is granted, retry at
// once) into a tight restart loop.
func TestTapCreateFailureWhileAllowedIsNotNoAccess(t *testing.T) {
	for _, tc := range []struct {
		listen, trusted bool
		want            error
	}{
		{false, false, ErrNoAccess},
		{true, false, ErrTapRefused},
		{false, true, ErrTapRefused},
		{true, true, ErrTapRefused},
	} {
		err := tapCreateFailed(tc.listen, tc.trusted)
		if !errors.Is(err, tc.want) {
			t.Errorf("Input Monitoring %v, Accessibility %v: %v, want %v", tc.listen, tc.trusted, err, tc.want)
		}
		if tc.want == ErrTapRefused && errors.Is(err, ErrNoAccess) {
			t.Errorf("Input Monitoring %v, Accessibility %v: %v also reads as no access", tc.listen, tc.trusted, err)
		}
	}
}
