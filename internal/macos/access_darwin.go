//go:build darwin

package macos

import (
	"context"
	"fmt"
	"unsafe"
)

// AccessibilitySettingsURL opens System Settings (System Preferences before
// macOS 13) at Privacy & Security › Accessibility.
const AccessibilitySettingsURL = "x-apple.systempreferences:com.apple.preference.security?Privacy_Accessibility"

// LoginItemsSettingsURL opens System Settings › General › Login Items.
const LoginItemsSettingsURL = "x-apple.systempreferences:com.apple.LoginItems-Settings.extension"

// Trusted reports whether this process is trusted for Accessibility, and
// so may run a key event tap. With prompt set, an untrusted process also
// gets the system's alert offering to open System Settings.
func Trusted(prompt bool) bool {
	if load() != nil {
		return false
	}
	if !prompt {
		return fw.AXIsProcessTrusted()
	}
	keys := []uintptr{fw.kAXTrustedCheckOptionPrompt}
	values := []uintptr{fw.kCFBooleanTrue}
	opts := fw.CFDictionaryCreate(0, unsafe.Pointer(&keys[0]), unsafe.Pointer(&values[0]), 1,
		fw.kCFTypeDictionaryKeyCallBacks, fw.kCFTypeDictionaryValueCallBacks)
	if opts == 0 {
		return fw.AXIsProcessTrusted()
	}
	defer fw.CFRelease(opts)
	return fw.AXIsProcessTrustedWithOptions(opts)
}

// OpenURL opens a URL (or a file or folder) with /usr/bin/open, the way
// Finder would.
func OpenURL(ctx context.Context, url string) error {
	if _, stderr, err := Exec(ctx, "/usr/bin/open", url); err != nil {
		return fmt.Errorf("macos: open %s: %v: %s", url, err, stderr)
	}
	return nil
}

// System is the AccessOS of the running Mac.
type System struct{}

// Trusted calls AXIsProcessTrustedWithOptions.
func (System) Trusted(prompt bool) bool { return Trusted(prompt) }

// OpenSettings opens Privacy & Security › Accessibility.
func (System) OpenSettings(ctx context.Context) error {
	return OpenURL(ctx, AccessibilitySettingsURL)
}

// Explain shows message in an osascript dialog.
func (System) Explain(ctx context.Context, message string) (bool, error) {
	return Explain(ctx, Exec, message)
}
