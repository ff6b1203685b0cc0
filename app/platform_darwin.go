package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rogue-metrics/rogue/internal/macos"
)

// darwinPlatform is the platform on macOS: SMAppService or a LaunchAgent for
// the login item, osascript dialogs, Finder through /usr/bin/open, and the
// Input Monitoring walk-through (all in internal/macos).
type darwinPlatform struct {
	access *macos.Walkthrough
}

func newPlatform() platform {
	return &darwinPlatform{access: &macos.Walkthrough{OS: macos.System{}, Major: macos.OSMajor()}}
}

// LoginItem reports whether Rogue starts at login; a registration that
// waits for the user's approval in System Settings is not on yet.
func (p *darwinPlatform) LoginItem() (bool, error) {
	li, err := macos.NewLoginItem(macos.BundleID)
	if err != nil {
		return false, err
	}
	return li.Enabled()
}

// SetLoginItem registers or unregisters the login item. When macOS wants
// the user's approval it opens System Settings › General › Login Items.
func (p *darwinPlatform) SetLoginItem(on bool) error {
	li, err := macos.NewLoginItem(macos.BundleID)
	if err != nil {
		return err
	}
	return li.Set(on)
}

// AskServer shows two osascript dialogs: the URL, then the API key in a
// hidden field. The key comes back on osascript's standard output only.
func (p *darwinPlatform) AskServer(ctx context.Context, current string) (string, string, error) {
	server, key, err := macos.AskServer(ctx, macos.Exec, current)
	switch {
	case errors.Is(err, macos.ErrCancelled):
		return "", "", errCancelled
	case errors.Is(err, macos.ErrNoDialog):
		return "", "", fmt.Errorf("%w: %v", errNoDialog, err)
	case err != nil:
		return "", "", err
	}
	return server, key, nil
}

// AskTrust asks in an osascript dialog whether to trust the certificate
// described by message (see certTruster).
func (p *darwinPlatform) AskTrust(ctx context.Context, message string) (bool, error) {
	ok, err := macos.AskTrust(ctx, macos.Exec, message)
	if errors.Is(err, macos.ErrNoDialog) {
		return false, fmt.Errorf("%w: %v", errNoDialog, err)
	}
	return ok, err
}

// Reveal opens the folder in Finder.
func (p *darwinPlatform) Reveal(path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return macos.OpenURL(ctx, path)
}

// KeyAccess reports whether Rogue may observe key events: Input Monitoring
// (asked for) or Accessibility (accepted when given).
func (p *darwinPlatform) KeyAccess() (bool, string) {
	if p.access.Check() == macos.AccessGranted {
		return true, ""
	}
	return false, macos.Hint(macos.OSMajor())
}

// KeyRefusedHint says what to do when macOS counts Rogue as allowed but
// refuses it key events (a stale grant).
func (p *darwinPlatform) KeyRefusedHint() string { return macos.StaleHint(macos.OSMajor()) }

// RequestKeyAccess runs the Input Monitoring walk-through: one sentence on
// why, the system's request, the settings pane (after the system's alert,
// never with it), and a re-check every two seconds until access is granted
// or ctx ends. The agent's tap starts as soon as access is granted.
func (p *darwinPlatform) RequestKeyAccess(ctx context.Context) {
	s, err := p.access.Request(ctx)
	switch {
	case errors.Is(err, macos.ErrBusy):
		return // the walk-through already on screen carries on
	case err != nil && ctx.Err() == nil:
		slog.Warn("key access walk-through", "err", err)
	}
	slog.Info("key access", "state", s.String())
}

// messageScript shows argv's text in a dialog with one OK button; the
// title and text come as arguments, never inside the script.
const messageScript = `on run argv
display dialog (item 2 of argv) with title (item 1 of argv) buttons {"OK"} default button 1 with icon ((item 3 of argv) as integer)
end run`

// ShowMessage shows text in a dialog (see messageShower) and returns when
// it is closed.
func (p *darwinPlatform) ShowMessage(ctx context.Context, title, text string, isError bool) error {
	icon := "1" // note
	if isError {
		icon = "2" // caution
	}
	_, stderr, err := macos.Exec(ctx, macos.Osascript, "-e", messageScript, title, text, icon)
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("osascript: %v: %s", err, stderr)
	}
	return nil
}

// ShowAbout shows text in a dialog (see aboutShower).
func (p *darwinPlatform) ShowAbout(ctx context.Context, text string) error {
	return p.ShowMessage(ctx, "About Rogue", text, false)
}
