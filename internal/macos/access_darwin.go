//go:build darwin

package macos

import (
	"context"
	"fmt"
	"sync"
)

// InputMonitoringSettingsURL opens System Settings (System Preferences
// before macOS 13) at Privacy & Security › Input Monitoring.
const InputMonitoringSettingsURL = "x-apple.systempreferences:com.apple.preference.security?Privacy_ListenEvent"

// LoginItemsSettingsURL opens System Settings › General › Login Items.
const LoginItemsSettingsURL = "x-apple.systempreferences:com.apple.LoginItems-Settings.extension"

// IOHIDRequestType and IOHIDAccessType values (IOKit hidsystem/IOHIDLib.h).
const (
	kIOHIDRequestTypeListenEvent = 1
	kIOHIDAccessTypeUnknown      = 2
)

// ListenAccess reports whether Rogue has Input Monitoring
// (CGPreflightListenEventAccess); it never prompts.
func ListenAccess() bool {
	if load() != nil {
		return false
	}
	return fw.CGPreflightListenEventAccess()
}

// Trusted reports whether Rogue is trusted for Accessibility
// (AXIsProcessTrusted); it never prompts.
func Trusted() bool {
	if load() != nil {
		return false
	}
	return fw.AXIsProcessTrusted()
}

// HasKeyAccess reports whether a listen-only key event tap may run: Input
// Monitoring or Accessibility.
func HasKeyAccess() bool { return ListenAccess() || Trusted() }

// OSMajor returns the running macOS major version (12, 13, …), or 0 when
// it cannot be read.
var OSMajor = sync.OnceValue(func() int {
	v, err := productVersion()
	if err != nil {
		return 0
	}
	n, _ := MajorVersion(v)
	return n
})

// OSVersion returns the running macOS product version, such as "14.2.1".
func OSVersion() (string, error) { return productVersion() }

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

// ListenAccess calls CGPreflightListenEventAccess.
func (System) ListenAccess() bool { return ListenAccess() }

// Trusted calls AXIsProcessTrusted.
func (System) Trusted() bool { return Trusted() }

// ListenUndetermined reports whether IOHIDCheckAccess says the user was
// never asked for Input Monitoring.
func (System) ListenUndetermined() bool {
	if load() != nil {
		return false
	}
	return fw.IOHIDCheckAccess(kIOHIDRequestTypeListenEvent) == kIOHIDAccessTypeUnknown
}

// RequestListenAccess calls CGRequestListenEventAccess.
func (System) RequestListenAccess() bool {
	if load() != nil {
		return false
	}
	return fw.CGRequestListenEventAccess()
}

// OpenSettings opens Privacy & Security › Input Monitoring.
func (System) OpenSettings(ctx context.Context) error {
	return OpenURL(ctx, InputMonitoringSettingsURL)
}

// Explain shows message in an osascript dialog whose button names the
// settings app of the running system.
func (System) Explain(ctx context.Context, message string) (bool, error) {
	return Explain(ctx, Exec, message, SettingsFor(OSMajor()).OpenButton())
}
