//go:build !linux && !darwin

package agent

import (
	"context"
	"fmt"
	"runtime"
)

// unsupportedTap is the key tap of platforms Rogue has no key source for.
type unsupportedTap struct{}

func newKeyTap() KeyTap { return unsupportedTap{} }

// Run fails at once: there is no way to watch keys here.
func (unsupportedTap) Run(ctx context.Context, events chan<- KeyEvent) error {
	return fmt.Errorf("key events are not supported on %s: %w", runtime.GOOS, ErrKeyAccess)
}
