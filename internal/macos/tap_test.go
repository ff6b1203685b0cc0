package macos

import "testing"

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
