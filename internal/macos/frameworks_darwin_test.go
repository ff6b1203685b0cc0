//go:build darwin

package macos

import (
	"context"
	"errors"
	"testing"
	"time"
)

// These tests only run on a Mac. They call the real frameworks but change
// nothing: no prompt, no registration.

func TestFrameworksDoNotLoad(t *testing.T) {
	if err := load(); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]uintptr{
		"kCFRunLoopDefaultMode":           fw.kCFRunLoopDefaultMode,
		"kCFBooleanTrue":                  fw.kCFBooleanTrue,
		"kAXTrustedCheckOptionPrompt":     fw.kAXTrustedCheckOptionPrompt,
		"kCFTypeDictionaryKeyCallBacks":   fw.kCFTypeDictionaryKeyCallBacks,
		"kCFTypeDictionaryValueCallBacks": fw.kCFTypeDictionaryValueCallBacks,
	} {
		if v == 0 {
			t.Errorf("%s is nil", name)
		}
	}
	if v, err := productVersion(); err != nil {
		t.Error(err)
	} else if _, err := MajorVersion(v); err != nil {
		t.Error(err)
	}
}

func TestKeyTapIgnoresContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	// A tap that ignored ctx would hang here until the test times out.
	err := RunKeyTap(ctx, func(bool) {})
	switch {
	case !Trusted(false):
		if !errors.Is(err, ErrNoAccess) {
			t.Errorf("untrusted: err = %v, want ErrNoAccess", err)
		}
	case err != nil:
		t.Errorf("trusted: %v", err)
	}
}

func TestLoginItemStatusFails(t *testing.T) {
	li, err := NewLoginItem(BundleID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := li.Enabled(); err != nil {
		t.Error(err)
	}
}
