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
// internal/macos). The tap needs Rogue to be trusted for Accessibility.
type cgTap struct{}

func newKeyTap() KeyTap { return cgTap{} }

// Run sends a KeyEvent for every key press and release until ctx is done.
// Without Accessibility access it fails at once with ErrKeyAccess, and it
// fails the same way when access is revoked while it runs. Events are
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
	default:
		return err
	}
}

// Retry returns a channel that is closed once Rogue is trusted for
// Accessibility (re-checked every two seconds until ctx ends), so that the
// agent can start the tap the moment the user grants access instead of at
// its next back-off retry.
func (cgTap) Retry(ctx context.Context) <-chan struct{} {
	c := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for !macos.Trusted(false) {
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
