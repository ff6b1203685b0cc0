package main

import (
	"context"
	"errors"
)

// platform is what the menu-bar app needs from the operating system beyond
// the tray itself. platform_linux.go and platform_darwin.go implement it;
// newPlatform returns the one for this OS.
type platform interface {
	// LoginItem reports whether Rogue starts at login.
	LoginItem() (bool, error)
	// SetLoginItem makes Rogue start (or stop starting) at login.
	SetLoginItem(on bool) error
	// AskServer asks the user for a Grok server URL (prefilled with current)
	// and its API key. It returns errCancelled when the user cancels and
	// errNoDialog when no dialog can be shown (the menu then tells the user
	// to run "rogue login").
	AskServer(ctx context.Context, current string) (server, apiKey string, err error)
	// Reveal shows a folder in the file manager (Finder, xdg-open).
	Reveal(path string) error
	// KeyAccess reports whether key events may be observed; when not, hint
	// says in one sentence how to allow it.
	KeyAccess() (ok bool, hint string)
	// RequestKeyAccess starts the OS's walk-through for granting access to
	// key events (the macOS Input Monitoring walk-through); a no-op where none exists.
	RequestKeyAccess(ctx context.Context)
}

var (
	errCancelled = errors.New("cancelled")
	errNoDialog  = errors.New("no dialog available")
)

// certTruster is implemented by platforms that can ask the user whether to
// trust a server's certificate that does not verify (as ssh asks on first
// contact). message holds the fingerprint and what is wrong; AskTrust
// reports whether the user chose to trust it.
type certTruster interface {
	AskTrust(ctx context.Context, message string) (bool, error)
}
