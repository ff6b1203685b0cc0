package main

import (
	"context"

	"github.com/rogue-metrics/rogue/internal/macos"
)

// macNotifier shows notifications through UNUserNotificationCenter (in
// internal/macos); it works when Rogue runs from Rogue.app.
type macNotifier struct{ n *macos.Notifier }

func newNotifier() notifier { return macNotifier{&macos.Notifier{}} }

func (m macNotifier) Notify(_ context.Context, title, body string) error {
	return m.n.Notify(title, body)
}
