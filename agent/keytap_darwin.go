//go:build darwin

package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rogue-metrics/rogue/internal/macos"
)

// cgTap watches key events with a listen-only CGEventTap (package
// internal/macos). The tap needs Input Monitoring (or Accessibility).
type cgTap struct{}

func newKeyTap() KeyTap { return cgTap{} }

// Run sends a KeyEvent for every key press and release until ctx is done.
// Without Input Monitoring or Accessibility it fails at once with
// ErrKeyAccess, and it fails the same way when access is revoked while it
// runs; with a stale grant (allowed, yet no tap) it fails with
// ErrKeyRefused, which a grant does not cure. Events are
// dropped, never queued, when the agent falls behind: the tap's thread must
// not block or macOS disables the tap.
func (cgTap) Run(ctx context.Context, events chan<- KeyEvent) error {
	err := macos.RunKeyTap(ctx, func(down bool) {
		select {
		case events <- KeyEvent{Time: time.Now(), Down: down}:
		default:
		}
	})
	switch {
	case err == nil || ctx.Err() != nil:
		return nil
	case errors.Is(err, macos.ErrNoAccess):
		return fmt.Errorf("%v: %w", err, ErrKeyAccess)
	case errors.Is(err, macos.ErrTapRefused):
		return fmt.Errorf("%v: %w", err, ErrKeyRefused)
	default:
		return err
	}
}

// Retry returns a channel that is closed once Rogue has Input Monitoring or
// Accessibility (re-checked every two seconds until ctx ends), so that the
// agent can start the tap the moment the user grants access instead of at
// its next back-off retry.
func (cgTap) Retry(ctx context.Context) <-chan struct{} {
	c := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for !macos.HasKeyAccess() {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		close(c)
	}()
	return c
}
