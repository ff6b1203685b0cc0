package main

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// freedesktop.org's notification service on the session bus.
const (
	notifyName  = "org.freedesktop.Notifications"
	notifyPath  = "/org/freedesktop/Notifications"
	notifyIface = "org.freedesktop.Notifications"
)

// dbusNotifier shows notifications through org.freedesktop.Notifications,
// which every Linux desktop's notification daemon provides.
type dbusNotifier struct {
	// connect returns a connection to the session bus; nil means
	// dbus.ConnectSessionBus.
	connect func(ctx context.Context) (*dbus.Conn, error)
}

func newNotifier() notifier { return dbusNotifier{} }

// Notify calls Notify(app_name, replaces_id, app_icon, summary, body,
// actions, hints, expire_timeout) on the notification service.
func (n dbusNotifier) Notify(ctx context.Context, title, body string) error {
	connect := n.connect
	if connect == nil {
		connect = func(ctx context.Context) (*dbus.Conn, error) {
			return dbus.ConnectSessionBus(dbus.WithContext(ctx))
		}
	}
	conn, err := connect(ctx)
	if err != nil {
		return fmt.Errorf("notify: session bus: %w", err)
	}
	defer conn.Close()
	var id uint32
	call := conn.Object(notifyName, notifyPath).CallWithContext(ctx, notifyIface+".Notify", 0,
		"Rogue", uint32(0), "dialog-warning", title, body, []string{},
		map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1)), "category": dbus.MakeVariant("device")}, int32(-1))
	if err := call.Store(&id); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}
